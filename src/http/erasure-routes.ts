import { z } from "zod";
import { SubjectId } from "../ingest/subject-id.ts";
import { parseInput } from "./field-problems.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

const SubjectParams = z.object({ subjectId: SubjectId });

const ERASE_DOC: RouteDoc = {
  summary: "Erase a subject (GDPR Art. 17) by crypto-shredding",
  description:
    "Cancels the subject's deferred, reviewed and queued work and pending timers, destroys their key, deletes their profile and events, blanks their consent evidence and keeps a keyed-hash tombstone that suppresses every later event for them. The decision log still verifies. Idempotent.",
  tags: ["subjects"],
  params: SubjectParams,
  responses: { 200: { description: "what was cancelled and deleted (counts only)" } },
};

/**
 * `DELETE /v1/subjects/:subjectId` (scope admin): erases the subject (GDPR Art. 17) by
 * crypto-shredding, as of now; 200 with what was cancelled and deleted (counts only). A second
 * call answers `alreadyErased: true` and changes nothing.
 */
export function registerErasureRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  const route = { onRequest: guard("admin"), config: { openapi: ERASE_DOC } };
  server.delete("/v1/subjects/:subjectId", route, async (request) => {
    const { subjectId } = parseInput(SubjectParams, request.params, "path");
    const report = await app.eraseSubject(subjectId, Date.now());
    return { ...report, erasedAt: new Date(report.erasedAt).toISOString() };
  });
}
