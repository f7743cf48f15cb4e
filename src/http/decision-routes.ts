import { z } from "zod";
import { AppError } from "../app/errors.ts";
import { parseInput } from "./field-problems.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";
import { ListQuery } from "./subject-routes.ts";
import { reviewView, storedDecisionView } from "./views.ts";

const Id = z.string().min(1).max(200);

const DecisionParams = z.object({ decisionId: Id });

const ReviewParams = z.object({ reviewId: Id });

const ReviewQuery = ListQuery.extend({
  status: z
    .enum(["pending", "approved", "rejected", "expired", "cancelled", "all"])
    .default("pending"),
});

const DECISION_DOC: RouteDoc = {
  summary: "A recorded decision with its explanation",
  description:
    "`traceId` names the OpenTelemetry trace of the event that led to it (when tracing was on); its spans carry `assent.decision_id`.",
  tags: ["decisions"],
  params: DecisionParams,
  responses: { 200: { description: "the decision, its place in the log and its trace id" } },
};

const REVIEWS_DOC: RouteDoc = {
  summary: "Reviews, pending ones unless another status is asked for",
  tags: ["reviews"],
  query: ReviewQuery,
  responses: { 200: { description: "the reviews" } },
};

/** Approving re-decides and acts (review_approved); rejecting suppresses (review_rejected). */
function settleDoc(action: "approve" | "reject"): RouteDoc {
  return {
    summary: `${action === "approve" ? "Approve" : "Reject"} a pending review`,
    tags: ["reviews"],
    params: ReviewParams,
    responses: { 200: { description: "the settled review" } },
  };
}

/**
 * - `GET /v1/decisions/:decisionId` (scope read): the decision with its explanation steps and
 *   sentence; a 404 problem when there is none.
 * - `GET /v1/reviews?status=&limit=` (scope review): reviews, pending ones by default.
 * - `POST /v1/reviews/:reviewId/approve` and `/reject` (scope review): settles a review.
 */
export function registerDecisionRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  const decisionRoute = { onRequest: guard("read"), config: { openapi: DECISION_DOC } };
  server.get("/v1/decisions/:decisionId", decisionRoute, async (request) => {
    const { decisionId } = parseInput(DecisionParams, request.params, "path");
    const stored = await app.decision(decisionId);
    if (stored === undefined) {
      throw new AppError("not_found", "no decision has this id");
    }
    return storedDecisionView(stored);
  });

  const reviewsRoute = { onRequest: guard("review"), config: { openapi: REVIEWS_DOC } };
  server.get("/v1/reviews", reviewsRoute, async (request) => {
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
      { onRequest: guard("review"), config: { openapi: settleDoc(action) } },
      async (request) => {
        const { reviewId } = parseInput(ReviewParams, request.params, "path");
        const review = await app.settleReview(reviewId, verdict);
        return reviewView(review);
      },
    );
  }
}
