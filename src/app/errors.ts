import { counted } from "./counted.ts";

/**
 * The one registry of error codes. Each code has an HTTP status, a one-line meaning and the
 * shape of its details (a list of bad fields). Transports map an AppError to their own form
 * (RFC 9457 problem documents for HTTP, a message and exit code for the CLI).
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, meaning: "the request body or parameters are not valid" },
  malformed_json: { status: 400, meaning: "the body is not valid JSON" },
  unauthorized: { status: 401, meaning: "no valid API key was sent" },
  forbidden: { status: 403, meaning: "the API key lacks the scope this route needs" },
  not_found: { status: 404, meaning: "no such resource" },
  conflict: { status: 409, meaning: "the resource is not in a state that allows this" },
  payload_too_large: { status: 413, meaning: "the body is larger than the configured limit" },
  unsupported_media_type: { status: 415, meaning: "send application/json" },
  unknown_event_type: { status: 422, meaning: "the event type is not declared in the catalog" },
  invalid_event: { status: 422, meaning: "the event does not match its type's schema" },
  invalid_consent: { status: 422, meaning: "the consent record is not valid" },
  not_ready: { status: 503, meaning: "the service is starting or its store is unreachable" },
  internal: { status: 500, meaning: "an unexpected fault; the error id finds it in the log" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One bad field: where it is (a JSON pointer into the request) and what was expected. */
export interface FieldProblem {
  readonly pointer: string;
  readonly expected: string;
}

/** An expected failure with a code from the registry. Messages never carry personal data. */
export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * How many fields a refusal found wrong, in how many items, as every route words it.
 *
 * @example wrongFields(3, 1, "event") // "3 fields are wrong in 1 event"
 */
export function wrongFields(fields: number, items?: number, noun = "event"): string {
  const wrong = fields === 1 ? "1 field is wrong" : `${fields} fields are wrong`;
  if (items === undefined) return wrong;
  return `${wrong} in ${counted(items, noun)}`;
}
