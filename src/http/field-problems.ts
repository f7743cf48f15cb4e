import type { z } from "zod";
import { AppError, type FieldProblem, wrongFields } from "../app/errors.ts";
import { expectation } from "../ingest/expectations.ts";

/** A JSON pointer (RFC 6901) from a path of keys and indexes. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/** One field problem per zod issue; an unknown key gives one problem per key, at the key. */
function problemsOf(issue: z.core.$ZodIssue): FieldProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      pointer: pointerOf([...issue.path, key]),
      expected: expectation(issue),
    }));
  }
  return [{ pointer: pointerOf(issue.path), expected: expectation(issue) }];
}

/**
 * Maps a zod error to field problems with JSON pointers into the request, e.g.
 * `/events/3/occurredAt` with "an ISO 8601 date-time with its offset, e.g. 2025-01-06T09:00:00Z".
 */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap(problemsOf);
}

/**
 * Parses `value` with `schema` or throws an `invalid_request` AppError that lists every bad
 * field. `what` names the part of the request in the message ("body", "query").
 *
 * @example
 * const event = parseInput(EventInput, request.body, "body");
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }

  const fields = fieldProblems(result.error);
  const message = `the ${what} is not valid: ${wrongFields(fields.length)}`;
  throw new AppError("invalid_request", message, fields);
}
