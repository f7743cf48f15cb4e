import { AppError } from "../app/errors.ts";
import {
  CloudEventAttributes,
  cloudEventProblems,
  type ReadCloudEvents,
  readCloudEvents,
} from "../ingest/cloudevents.ts";
import { gpcHeader, ownOutcomes, ownRefusal } from "../ingest/signal-events.ts";
import { batchRefusal } from "./batch-refusal.ts";
import { jsonBodyParser } from "./json-body.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

const DOC: RouteDoc = {
  summary: "Ingest CloudEvents 1.0 (binary, structured or batched mode)",
  description:
    "Binary mode: attributes in ce- headers (ce-specversion, ce-id, ce-type, ce-source, ce-subject, ce-time; extensions ce-schemaversion, ce-gpc, ce-tcstring) and the data as an application/json body. Structured mode: one application/cloudevents+json object, shown here. Batched mode: an application/cloudevents-batch+json array. subject is the Assent subjectId and time is required. All or nothing.",
  tags: ["cloudevents"],
  body: CloudEventAttributes,
  bodyMediaType: "application/cloudevents+json",
  responses: { 202: { description: "one ingest outcome per CloudEvent, in order" } },
};

/** The CloudEvents media types (HTTP protocol binding 1.0), read as JSON. */
const CLOUDEVENTS_MEDIA = ["application/cloudevents+json", "application/cloudevents-batch+json"];

/** What the route reads, as its 415 says. */
const ACCEPTS =
  "application/cloudevents+json (structured mode), application/cloudevents-batch+json (batched mode), or application/json with ce- headers (binary mode)";

/**
 * `POST /v1/cloudevents` (scope ingest): CloudEvents 1.0 over HTTP in binary mode (attributes
 * in `ce-` headers, the data as an `application/json` body), structured mode
 * (`application/cloudevents+json`) or batched mode (`application/cloudevents-batch+json`).
 * Each CloudEvent becomes one Assent event (see `ingest/cloudevents.ts`); a batch is all or
 * nothing, and a batch with malformed CloudEvents is refused with the catalog's problems of the
 * others too, in one 400. Bodies are read as `POST /v1/events` reads them (`json-body.ts`): the
 * same 415 for a compressed body, the same placed syntax errors. Answered 202 with one ingest
 * outcome per CloudEvent, as `POST /v1/events` answers.
 */
export function registerCloudEventRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  // A child scope, so that only this route reads the CloudEvents media types.
  server.register(async (scope) => {
    scope.addContentTypeParser(CLOUDEVENTS_MEDIA, { parseAs: "string" }, jsonBodyParser(scope));

    const config = { openapi: DOC, accepts: ACCEPTS };
    scope.post(
      "/v1/cloudevents",
      { onRequest: guard("ingest"), config },
      async (request, reply) => {
        const gpc = gpcHeader(request.headers["sec-gpc"]);
        const read = readCloudEvents({ headers: request.headers, body: request.body }, gpc);
        if (read.malformed.length > 0) throw await malformedBatch(app, read);
        const outcomes = await ingestRead(app, read);
        request.log.debug({ events: read.own.length, mode: read.mode }, "cloudevents ingested");
        return reply.code(202).send(ownOutcomes(outcomes, read.own));
      },
    );
  });
}

/** A batch with malformed CloudEvents: the others are checked too, and every problem listed. */
async function malformedBatch(app: RouteContext["app"], read: ReadCloudEvents) {
  const checked = read.events.length === 0 ? [] : await app.validate(read.events, read.pointerBase);
  return batchRefusal(read.malformed, cloudEventProblems(read, checked), "/");
}

async function ingestRead(app: RouteContext["app"], read: ReadCloudEvents) {
  try {
    return await app.ingest(read.events, read.pointerBase);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const refusal = ownRefusal(error, read.own.length, "CloudEvent");
    throw new AppError(refusal.code, refusal.message, cloudEventProblems(read, error.fields));
  }
}
