import { AppError } from "../app/errors.ts";
import {
  CloudEventAttributes,
  cloudEventProblems,
  type ReadCloudEvents,
  readCloudEvents,
} from "../ingest/cloudevents.ts";
import { gpcHeader, ownOutcomes, ownRefusal } from "../ingest/signal-events.ts";
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

/**
 * `POST /v1/cloudevents` (scope ingest): CloudEvents 1.0 over HTTP in binary mode (attributes
 * in `ce-` headers, the data as an `application/json` body), structured mode
 * (`application/cloudevents+json`) or batched mode (`application/cloudevents-batch+json`).
 * Each CloudEvent becomes one Assent event (see `ingest/cloudevents.ts`); a batch is all or
 * nothing. Answered 202 with one ingest outcome per CloudEvent, as `POST /v1/events` answers.
 */
export function registerCloudEventRoutes(server: HttpServer, { app, guard }: RouteContext): void {
  // A child scope, so that only this route reads the CloudEvents media types.
  server.register(async (scope) => {
    const parseJson = scope.getDefaultJsonParser("error", "error");
    scope.addContentTypeParser(CLOUDEVENTS_MEDIA, { parseAs: "string" }, (request, body, done) => {
      parseJson(request, typeof body === "string" ? body : body.toString("utf8"), done);
    });

    const route = { onRequest: guard("ingest"), config: { openapi: DOC } };
    scope.post("/v1/cloudevents", route, async (request, reply) => {
      const gpc = gpcHeader(request.headers["sec-gpc"]);
      const read = readCloudEvents({ headers: request.headers, body: request.body }, gpc);
      const outcomes = await ingestRead(app, read);
      request.log.debug({ events: read.own.length, mode: read.mode }, "cloudevents ingested");
      return reply.code(202).send(ownOutcomes(outcomes, read.own));
    });
  });
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
