import { z } from "zod";
import { ConsentInput } from "../ingest/input-schema.ts";
import { SubjectId } from "../ingest/subject-id.ts";
import { parseInput } from "./field-problems.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";
import { consentRecordView, consentView, storedDecisionView, timerView } from "./views.ts";

const SubjectParams = z.object({ subjectId: SubjectId });

const ConsentQuery = z.strictObject({
  asOf: z.iso.datetime({ offset: true }).optional().describe("the view as of this instant"),
});

/** `?limit=` for lists: 1 to 1,000, 100 when absent. */
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const CONSENT_POST_DOC: RouteDoc = {
  summary: "Append a consent ledger record",
  description:
    "The purpose must be declared in the catalog, and `capturedAt` may be at most 5 minutes after the service receives the record (clock skew): a record dated later is refused with 422 `invalid_consent` at `/capturedAt`.",
  tags: ["consent"],
  params: SubjectParams,
  body: ConsentInput,
  responses: { 201: { description: "the stored record" } },
};

const CONSENT_GET_DOC: RouteDoc = {
  summary: "The subject's consent view, now or as of an instant",
  tags: ["consent"],
  params: SubjectParams,
  query: ConsentQuery,
  responses: { 200: { description: "records, suppressions, the GPC signal and contact points" } },
};

const DECISIONS_DOC: RouteDoc = {
  summary: "The subject's decisions, newest first",
  tags: ["decisions"],
  params: SubjectParams,
  query: ListQuery,
  responses: { 200: { description: "stored decisions, each with its trace id" } },
};

const TIMERS_DOC: RouteDoc = {
  summary: "The subject's pending timers, soonest first, with why each exists",
  tags: ["decisions"],
  params: SubjectParams,
  responses: { 200: { description: "timers: node, kind, due instant, why and the causing event" } },
};

/**
 * Routes under `/v1/subjects/:subjectId`:
 * - `POST .../consent` (scope consent): appends a consent ledger record; 201 with the record,
 *   422 when its purpose is undeclared or it is captured more than 5 minutes after receipt.
 * - `GET .../consent?asOf=` (scope read or consent): the consent view, now or as of an instant.
 * - `GET .../decisions?limit=` (scope read): the subject's decisions, newest first.
 * - `GET .../timers` (scope read): the subject's pending timers, soonest first, with why.
 */
export function registerSubjectRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  server.post(
    "/v1/subjects/:subjectId/consent",
    { onRequest: guard("consent"), config: { openapi: CONSENT_POST_DOC } },
    async (request, reply) => {
      const { subjectId } = parseInput(SubjectParams, request.params, "path");
      const input = parseInput(ConsentInput, request.body, "consent record");
      const record = await app.recordConsent(subjectId, input);
      return reply.code(201).send(consentRecordView(record));
    },
  );

  server.get(
    "/v1/subjects/:subjectId/consent",
    { onRequest: guard("read", "consent"), config: { openapi: CONSENT_GET_DOC } },
    async (request) => {
      const { subjectId } = parseInput(SubjectParams, request.params, "path");
      const { asOf } = parseInput(ConsentQuery, request.query, "query");
      const view = await app.consent(subjectId, asOf === undefined ? undefined : Date.parse(asOf));
      return consentView(view);
    },
  );

  const decisionsRoute = { onRequest: guard("read"), config: { openapi: DECISIONS_DOC } };
  server.get("/v1/subjects/:subjectId/decisions", decisionsRoute, async (request) => {
    const { subjectId } = parseInput(SubjectParams, request.params, "path");
    const { limit } = parseInput(ListQuery, request.query, "query");
    const decisions = await app.decisionsOf(subjectId, limit);
    return decisions.map(storedDecisionView);
  });

  const timersRoute = { onRequest: guard("read"), config: { openapi: TIMERS_DOC } };
  server.get("/v1/subjects/:subjectId/timers", timersRoute, async (request) => {
    const { subjectId } = parseInput(SubjectParams, request.params, "path");
    const timers = await app.timersOf(subjectId);
    return timers.map(timerView);
  });
}
