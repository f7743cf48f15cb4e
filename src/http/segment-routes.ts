import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../app/errors.ts";
import {
  SEGMENT_TYPES,
  SegmentBatch,
  SegmentCall,
  type SegmentType,
} from "../ingest/segment/segment-schema.ts";
import { gpcHeader } from "../ingest/signal-events.ts";
import { type Authorize, createAuthorizer } from "./auth.ts";
import { parseInput } from "./field-problems.ts";
import type { ApiKey } from "./http-config.ts";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

/** Where the Segment tracking API is served: `/segment/v1/track`, `/segment/v1/batch`, … */
export const SEGMENT_PREFIX = "/segment/v1";

const CHALLENGE = {
  header: 'Basic realm="assent-segment"',
  hint: "send the write key as the HTTP Basic user name (Segment's libraries do), or as writeKey in a batch",
};

const AUTH_NOTE =
  "The write key is an API key with scope ingest, sent as the HTTP Basic user name (as Segment's libraries send it).";

const Answer = z.object({
  success: z.literal(true),
  results: z.array(
    z.object({
      messageId: z.string(),
      status: z.enum(["accepted", "duplicate", "ignored"]),
      reason: z.string().optional().describe("why an ignored call maps to no event"),
      signals: z.array(z.string()).optional().describe("consent signals recorded with the call"),
      decisions: z.array(z.unknown()),
    }),
  ),
});

const BATCH_DOC: RouteDoc = {
  summary: "Segment: a batch of tracking calls",
  description: `${AUTH_NOTE} It may also travel as writeKey in the body. All or nothing: one bad call refuses the batch and stores nothing. Calls map to events through the catalog's segment: section; messageId is the dedup key.`,
  tags: ["segment"],
  body: SegmentBatch,
  responses: { 200: { description: "one result per call, in order", schema: Answer } },
};

function callDoc(type: SegmentType): RouteDoc {
  return {
    summary: `Segment: one ${type} call`,
    description: `${AUTH_NOTE} The body is the call; its type may be left out.`,
    tags: ["segment"],
    body: SegmentCall,
    responses: { 200: { description: "the call's result", schema: Answer } },
  };
}

/** The user name of an `Authorization: Basic` header: where Segment clients put the write key. */
export function basicUser(header: string | undefined): string | undefined {
  const encoded = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? "")?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user === "" ? undefined : user;
}

function bodyWriteKey(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("writeKey" in body)) return undefined;
  return typeof body.writeKey === "string" ? body.writeKey : undefined;
}

/**
 * The write key as Segment clients send it: the Basic user name, else (for a batch) `writeKey`
 * in the body. Checked after the body is read, since the body may carry it.
 */
function writeKeyGuard(authorize: Authorize, inBody: boolean) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = basicUser(request.headers.authorization);
    const secret = header ?? (inBody ? bodyWriteKey(request.body) : undefined);
    authorize(request, reply, secret, ["ingest"], CHALLENGE);
  };
}

/** A single call's body, with the type its path names when the body leaves it out. */
function callOf(body: unknown, type: SegmentType): SegmentCall {
  const typed =
    typeof body === "object" && body !== null && !Array.isArray(body) && !("type" in body)
      ? { ...body, type }
      : body;
  const call = parseInput(SegmentCall, typed, "call");
  if (call.type !== type) {
    throw new AppError("invalid_request", `this is the ${type} endpoint`, [
      { pointer: "/type", expected: `${type}, or no type` },
    ]);
  }
  return call;
}

/**
 * The Segment HTTP tracking API under {@link SEGMENT_PREFIX}: `POST /batch` and one route per
 * call type (`/track`, `/identify`, `/group`, `/alias`, `/page`, `/screen`). The write key is
 * an API key with scope `ingest`. Calls map to events through the catalog's `segment:` section;
 * a batch is all or nothing: one bad call refuses the whole batch and stores nothing, so that a
 * client never has to work out which half was taken. `Sec-GPC: 1` on the request opts every
 * subject in it out of sale and sharing. Answered 200 `{ success: true, results }`, the
 * answer Segment's libraries expect, with one result per call.
 */
export function registerSegmentRoutes(
  server: HttpServer,
  { app }: RouteContext,
  keys: readonly ApiKey[],
): void {
  const authorize = createAuthorizer(keys);
  const receive = (request: FastifyRequest, calls: readonly SegmentCall[], batch?: SegmentBatch) =>
    app.ingestSegment(calls, {
      gpc: gpcHeader(request.headers["sec-gpc"]),
      ...(batch?.context === undefined ? {} : { context: batch.context }),
      base: (index) => (batch === undefined ? "" : `/batch/${index}`),
    });

  server.post(
    `${SEGMENT_PREFIX}/batch`,
    { preHandler: writeKeyGuard(authorize, true), config: { openapi: BATCH_DOC } },
    async (request) => {
      const batch = parseInput(SegmentBatch, request.body, "batch");
      const results = await receive(request, batch.batch, batch);
      request.log.debug({ calls: batch.batch.length }, "segment batch ingested");
      return { success: true, results };
    },
  );

  for (const type of SEGMENT_TYPES) {
    server.post(
      `${SEGMENT_PREFIX}/${type}`,
      { preHandler: writeKeyGuard(authorize, false), config: { openapi: callDoc(type) } },
      async (request) => {
        const results = await receive(request, [callOf(request.body, type)]);
        return { success: true, results };
      },
    );
  }
}
