import { z } from "zod";
import { AppError } from "../app/errors.ts";
import { parseInput } from "./field-problems.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";
import { ListQuery } from "./subject-routes.ts";
import { reviewView, storedDecisionView } from "./views.ts";

const Id = z.string().min(1).max(200);

const DecisionParams = z.object({ decisionId: Id });

const ReviewParams = z.object({ reviewId: Id });

const ReviewQuery = ListQuery.extend({
  status: z.enum(["pending", "approved", "rejected", "expired", "all"]).default("pending"),
});

/**
 * - `GET /v1/decisions/:decisionId` (scope read): the decision with its explanation steps and
 *   sentence; a 404 problem when there is none.
 * - `GET /v1/reviews?status=&limit=` (scope review): reviews, pending ones by default.
 * - `POST /v1/reviews/:reviewId/approve` and `/reject` (scope review): settles a review.
 */
export function registerDecisionRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  server.get("/v1/decisions/:decisionId", { onRequest: guard("read") }, async (request) => {
    const { decisionId } = parseInput(DecisionParams, request.params, "path");
    const stored = await app.decision(decisionId);
    if (stored === undefined) {
      throw new AppError("not_found", "no decision has this id");
    }
    return storedDecisionView(stored);
  });

  server.get("/v1/reviews", { onRequest: guard("review") }, async (request) => {
    const { status, limit } = parseInput(ReviewQuery, request.query, "query");
    const reviews = await app.reviews(status, limit);
    return reviews.map(reviewView);
  });

  for (const [action, verdict] of [
    ["approve", "approved"],
    ["reject", "rejected"],
  ] as const) {
    server.post(
      `/v1/reviews/:reviewId/${action}`,
      { onRequest: guard("review") },
      async (request) => {
        const { reviewId } = parseInput(ReviewParams, request.params, "path");
        const review = await app.settleReview(reviewId, verdict);
        return reviewView(review);
      },
    );
  }
}
