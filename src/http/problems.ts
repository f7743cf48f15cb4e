import type { FastifyReply } from "fastify";
import { AppError, ERROR_CODES, type ErrorCode, type FieldProblem } from "../app/errors.ts";

/** The media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = "application/problem+json; charset=utf-8";

/**
 * An RFC 9457 problem document. `code` is from the error registry; `errorId` also appears in
 * the log line of the request; `errors` has one entry per bad field.
 */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly errorId: string;
  readonly errors: readonly { readonly pointer: string; readonly detail: string }[];
}

/** What a thrown value means for the client, before it gets an error id. */
export interface Classified {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly fields: readonly FieldProblem[];
}

/** Fastify's own client errors, by their `code`, in the registry's words. */
const FASTIFY_CODES: Readonly<Record<string, Classified>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "unsupported_media_type",
    detail: "send the body as application/json",
    fields: [],
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: "malformed_json",
    detail: "the body is not valid JSON",
    fields: [],
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: "malformed_json",
    detail: "the body is empty; send a JSON document",
    fields: [],
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: "invalid_request",
    detail: "the Content-Length header does not match the body",
    fields: [],
  },
};

const INTERNAL: Classified = {
  code: "internal",
  detail: "an unexpected fault; quote the error id when you report it",
  fields: [],
};

/** The `code` of a fastify (or Node) error, when it has one. */
export function errorCodeOf(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}

function isClientError(error: unknown): boolean {
  if (!(error instanceof Error) || !("statusCode" in error)) {
    return false;
  }
  const status = error.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}

/**
 * Classifies a thrown value. An AppError keeps its code and plain-words message; fastify's
 * client errors map to registry codes; anything else is `internal`, and its message never
 * reaches the client (it may hold personal data or internals).
 */
export function classify(error: unknown, bodyLimit: number): Classified {
  if (error instanceof AppError) {
    if (error.code === "internal") {
      return INTERNAL;
    }
    return { code: error.code, detail: error.message, fields: error.fields };
  }

  const fastifyCode = errorCodeOf(error);
  if (fastifyCode === "FST_ERR_CTP_BODY_TOO_LARGE") {
    const detail = `the body is larger than the limit of ${bodyLimit} bytes; split the batch`;
    return { code: "payload_too_large", detail, fields: [] };
  }

  const known = fastifyCode === undefined ? undefined : FASTIFY_CODES[fastifyCode];
  if (known !== undefined) {
    return known;
  }
  return isClientError(error)
    ? { code: "invalid_request", detail: "the request could not be read", fields: [] }
    : INTERNAL;
}

function titleOf(code: ErrorCode): string {
  const meaning: string = ERROR_CODES[code].meaning;
  return meaning.charAt(0).toUpperCase() + meaning.slice(1);
}

/** Builds the problem document for a classified failure. */
export function problemOf(classified: Classified, errorId: string): ProblemDocument {
  return {
    type: `https://assent.dev/problems/${classified.code}`,
    title: titleOf(classified.code),
    status: ERROR_CODES[classified.code].status,
    detail: classified.detail,
    code: classified.code,
    errorId,
    errors: classified.fields.map((field) => ({ pointer: field.pointer, detail: field.expected })),
  };
}

/** Sends a problem document with its status and media type. */
export function sendProblem(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem);
}
