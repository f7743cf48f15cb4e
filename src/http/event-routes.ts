import { EventBatch, EventInput } from "../ingest/input-schema.ts";
import { parseInput } from "./field-problems.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";
import { decisionView } from "./views.ts";

function isBatch(body: unknown): boolean {
  return typeof body === "object" && body !== null && !Array.isArray(body) && "events" in body;
}

/**
 * Reads one event or a batch. The whole batch is validated before anything is stored: if any
 * event is invalid, none is ingested, and the problem lists every bad field of every event
 * (`/events/3/occurredAt`), so the sender can fix them all and resend the batch as is.
 */
export function readEvents(body: unknown): EventInput[] {
  if (isBatch(body)) {
    return parseInput(EventBatch, body, "batch").events;
  }
  return [parseInput(EventInput, body, "event")];
}

/**
 * `POST /v1/events` (scope ingest): one event or `{ events: [...] }`, answered 202 with one
 * ingest outcome per event, in order; a re-sent event id gets status `duplicate`.
 *
 * `POST /v1/decide` (scope decide): a dry run of one event: the decisions with their
 * explanations, and nothing stored, sent or logged to the decision log.
 */
export function registerEventRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  server.post("/v1/events", { onRequest: guard("ingest") }, async (request, reply) => {
    const events = readEvents(request.body);
    const outcomes = await app.ingest(events);
    request.log.debug({ events: events.length }, "events ingested");
    return reply.code(202).send(outcomes);
  });

  server.post("/v1/decide", { onRequest: guard("decide") }, async (request) => {
    const event = parseInput(EventInput, request.body, "event");
    const decisions = await app.dryRun(event);
    return decisions.map(decisionView);
  });
}
