import { z } from "zod";
import { AppError } from "../app/errors.ts";
import { EventBatch, EventInput } from "../ingest/input-schema.ts";
import { gpcHeader, ownOutcomes, ownRefusal, withGpc } from "../ingest/signal-events.ts";
import { batchRefusal, readEvents } from "./event-body.ts";
import { parseInput } from "./field-problems.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";
import { decisionView } from "./views.ts";

const EVENTS_DOC: RouteDoc = {
  summary: "Ingest one event or a batch of up to 1,000",
  description:
    "All-or-nothing on validation: if any event is invalid nothing is stored and one problem lists every bad field of every event (`/events/3/occurredAt`): 400 `invalid_request` when any field does not match this schema (the other events are checked against the catalog too), else 422 with the catalog's code. A re-sent event id is a `duplicate` and decides nothing; re-sent with other content it is a `conflict` naming the fields that differ (`conflicting`), nothing is stored and the first event stands. The answer stays 202 with one status per event.",
  tags: ["events"],
  body: z.union([EventInput, EventBatch]),
  responses: {
    202: {
      description:
        "one outcome per event, in order: accepted, duplicate or conflict (with `conflicting`), with decisions",
    },
  },
};

const DECIDE_DOC: RouteDoc = {
  summary: "Decide one event as a dry run",
  description: "The decisions with their explanations; nothing is stored, sent or logged.",
  tags: ["events"],
  body: EventInput,
  responses: { 200: { description: "the decisions, each with its explanation steps" } },
};

/**
 * `POST /v1/events` (scope ingest): one event or `{ events: [...] }`, answered 202 with one
 * ingest outcome per event, in order; a re-sent event id gets status `duplicate`, or `conflict`
 * with the names of the fields that differ when its content is not the stored event's. With
 * `Sec-GPC: 1`, a `gpc.signal` is recorded for each subject before their events.
 *
 * `POST /v1/decide` (scope decide): a dry run of one event: the decisions with their
 * explanations, and nothing stored, sent or logged to the decision log.
 *
 * Both refuse a lone event alike: 400 `invalid_request` naming every field that does not match
 * the request schema, else 422 naming every field the catalog refuses.
 */
export function registerEventRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  const eventsRoute = { onRequest: guard("ingest"), config: { openapi: EVENTS_DOC } };
  server.post("/v1/events", eventsRoute, async (request, reply) => {
    const read = readEvents(request.body);
    // Sec-GPC: 1 opts each subject in the request out of sale and sharing (gpc.signal first).
    const gpc = gpcHeader(request.headers["sec-gpc"]);
    const { events, pointerBase, own } = withGpc(read.events, gpc, read.pointerBase);
    if (read.malformed.length > 0) {
      throw await batchRefusal(app, { events, pointerBase, malformed: read.malformed });
    }
    const outcomes = await app.ingest(events, pointerBase).catch((error: unknown) => {
      throw error instanceof AppError ? ownRefusal(error, own.length, "event") : error;
    });
    request.log.debug({ events: read.events.length }, "events ingested");
    return reply.code(202).send(ownOutcomes(outcomes, own));
  });

  const decideRoute = { onRequest: guard("decide"), config: { openapi: DECIDE_DOC } };
  server.post("/v1/decide", decideRoute, async (request) => {
    const event = parseInput(EventInput, request.body, "event");
    const decisions = await app.dryRun(event);
    return decisions.map(decisionView);
  });
}
