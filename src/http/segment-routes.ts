import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AssentApp } from "../app/assent-app.ts";
import { AppError, type FieldProblem } from "../app/errors.ts";
import { EVENT_CONTENT } from "../ingest/event-conflict.ts";
import type { Check, SegmentReceipt } from "../ingest/segment/segment-ingest.ts";
import {
  SEGMENT_TYPES,
  SegmentBatch,
  SegmentCall,
  SegmentContext,
  type SegmentType,
} from "../ingest/segment/segment-schema.ts";
import { gpcHeader } from "../ingest/signal-events.ts";
import { isRecord } from "../playbook/raw.ts";
import { type Authorize, createAuthorizer } from "./auth.ts";
import { batchRefusal, wellFormedItems } from "./batch-refusal.ts";
import { fieldProblems, parseInput } from "./field-problems.ts";
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
      status: z.enum(["accepted", "duplicate", "conflict", "ignored"]),
      reason: z.string().optional().describe("why an ignored call maps to no event"),
      conflicting: z
        .array(z.enum(EVENT_CONTENT))
        .optional()
        .describe(
          "on a conflict: the fields that differ from the event stored with this messageId",
        ),
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
 * client never has to work out which half was taken. A batch with malformed calls is refused
 * with the catalog's problems of its other calls too, in one 400, so that one resend does.
 * `Sec-GPC: 1` on the request opts every subject in it out of sale and sharing. Answered 200 `{ success: true, results }`, the
 * answer Segment's libraries expect, with one result per call.
 */
export function registerSegmentRoutes(
  server: HttpServer,
  { app }: RouteContext,
  keys: readonly ApiKey[],
): void {
  const authorize = createAuthorizer(keys);

  server.post(
    `${SEGMENT_PREFIX}/batch`,
    { preHandler: writeKeyGuard(authorize, true), config: { openapi: BATCH_DOC } },
    async (request) => {
      const read = readBatch(request.body);
      const receipt = receiptOf(request, read);
      if (read.malformed.length > 0) throw await malformedBatch(app, read, receipt);
      const results = await app.ingestSegment(read.calls, receipt);
      request.log.debug({ calls: read.calls.length }, "segment batch ingested");
      return { success: true, results };
    },
  );

  for (const type of SEGMENT_TYPES) {
    server.post(
      `${SEGMENT_PREFIX}/${type}`,
      { preHandler: writeKeyGuard(authorize, false), config: { openapi: callDoc(type) } },
      async (request) => {
        const receipt = { gpc: gpcHeader(request.headers["sec-gpc"]), base: () => "" };
        const results = await app.ingestSegment([callOf(request.body, type)], receipt);
        return { success: true, results };
      },
    );
  }
}

/** A batch's calls of the right shape, where each is in the body, and what is malformed. */
interface ReadBatch {
  readonly calls: readonly SegmentCall[];
  /** The index in the body's `batch` of each of `calls`. */
  readonly indexes: readonly number[];
  readonly context?: SegmentContext;
  /** Every field that does not match the batch's schema; when there is any, nothing is stored. */
  readonly malformed: readonly FieldProblem[];
}

/**
 * Reads a batch. A batch with malformed calls still has its well-formed calls read, so that
 * they can be checked against the catalog too and one answer can list every bad field.
 */
function readBatch(body: unknown): ReadBatch {
  const parsed = SegmentBatch.safeParse(body);
  if (parsed.success) {
    const { batch: calls, context } = parsed.data;
    return { calls, indexes: calls.map((_, index) => index), context, malformed: [] };
  }

  const fields = isRecord(body) ? body : {};
  const wellFormed = wellFormedItems(SegmentCall, parsed.error, fields.batch, ["batch"]);
  const context = SegmentContext.safeParse(fields.context);
  return {
    calls: wellFormed.map(({ item }) => item),
    indexes: wellFormed.map(({ index }) => index),
    context: context.success ? context.data : undefined,
    malformed: fieldProblems(parsed.error),
  };
}

function receiptOf(request: FastifyRequest, read: ReadBatch): SegmentReceipt {
  return {
    gpc: gpcHeader(request.headers["sec-gpc"]),
    ...(read.context === undefined ? {} : { context: read.context }),
    base: (index) => `/batch/${read.indexes[index] ?? index}`,
  };
}

/** A batch with malformed calls: the others are checked (not stored) and every problem listed. */
async function malformedBatch(app: AssentApp, read: ReadBatch, receipt: SegmentReceipt) {
  const checked = read.calls.length === 0 ? [] : await catalogProblems(app, read.calls, receipt);
  return batchRefusal(read.malformed, checked, "/batch/");
}

/** The problems the catalog finds in well-formed calls, at the calls' fields; stores nothing. */
async function catalogProblems(
  app: AssentApp,
  calls: readonly SegmentCall[],
  receipt: SegmentReceipt,
): Promise<readonly FieldProblem[]> {
  const validateOnly: Check = (events, base) => app.validate(events, base);
  try {
    await app.ingestSegment(calls, { ...receipt, validateOnly });
    return [];
  } catch (error) {
    if (error instanceof AppError) return error.fields;
    throw error;
  }
}
