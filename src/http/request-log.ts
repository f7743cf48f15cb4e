import type { FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../app/errors.ts";
import { isEmailShaped } from "../ingest/subject-id.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The id (never the secret) of the API key that authenticated the request. */
    keyId: string | null;
    /** The failure this request was answered with, for its log line. */
    failure: RequestFailure | null;
  }
}

/**
 * What the log line of a failed request records: the problem's code and error id and, for an
 * unexpected fault, the error's name and stack frames (not its message, which may hold data).
 */
export interface RequestFailure {
  readonly code: ErrorCode;
  readonly errorId: string;
  readonly fault?: { readonly errorName: string; readonly frames: readonly string[] };
}

/** Route parameters that are ids, logged under the fixed id keys. */
const ID_PARAMS = ["subjectId", "decisionId", "reviewId"] as const;

/**
 * Logged instead of an id shaped like an e-mail address. The route refuses such an id (see
 * `subject-id.ts`), but the line is written whatever the route answered, so it is kept out here.
 */
export const REFUSED_ID = "[refused: e-mail shaped]";

function addIds(fields: Record<string, unknown>, params: unknown): void {
  if (typeof params !== "object" || params === null) return;
  for (const key of ID_PARAMS) {
    const value: unknown = Reflect.get(params, key);
    if (typeof value === "string") fields[key] = isEmailShaped(value) ? REFUSED_ID : value;
  }
}

function addFailure(fields: Record<string, unknown>, failure: RequestFailure | null): void {
  if (failure === null) return;
  fields.errorId = failure.errorId;
  fields.code = failure.code;
  if (failure.fault === undefined) return;
  fields.errorName = failure.fault.errorName;
  fields.frames = failure.fault.frames;
}

function levelOf(statusCode: number): "info" | "error" {
  return statusCode >= 500 ? "error" : "info";
}

/**
 * Writes one line per request when its response is sent: the route pattern (never the raw URL,
 * whose query string may carry anything), the status, the duration, the key id, the id
 * parameters and, for a failure, its code and error id. Never headers, never bodies.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const fields: Record<string, unknown> = {
    method: request.method,
    route: request.routeOptions.url ?? null,
    statusCode: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    keyId: request.keyId,
  };
  addIds(fields, request.params);
  addFailure(fields, request.failure);
  request.log[levelOf(reply.statusCode)](fields, "request completed");
}
