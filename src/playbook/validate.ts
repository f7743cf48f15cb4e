import { z } from "zod";
import { expectation } from "../ingest/expectations.ts";
import type { Issue, PathKey } from "./problems.ts";

/**
 * Validates data against a schema; on failure, one issue per thing wrong, each at its path.
 *
 * @example validate(PolicyFile, data) // { data } or { issues: [...] }
 */
export function validate<T>(
  schema: z.ZodType<T>,
  data: unknown,
): { data: T; issues: [] } | { data?: undefined; issues: Issue[] } {
  const result = schema.safeParse(data, { reportInput: true, error: markZodWording });
  if (result.success) return { data: result.data, issues: [] };

  return { issues: result.error.issues.flatMap(toIssues) };
}

function toIssues(issue: z.core.$ZodIssue): Issue[] {
  const path = issue.path.flatMap((key): PathKey[] => (typeof key === "symbol" ? [] : [key]));

  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: "key",
        message: `unknown key ${key}: ${schemaMessage(issue)}, ${CHECK_SPELLING}`,
      }));
    case "invalid_key": {
      const reasons = issue.issues.map(schemaMessage).join("; ");
      return [{ path, at: "key", message: `invalid key: ${reasons}` }];
    }
    default:
      return [{ path, message: schemaMessage(issue) }];
  }
}

/**
 * What a schema problem says: the schema's own words where it has them ("a cap of 0 can never
 * be met; ..."), else what was expected in the words the API uses ("expected a number, not a
 * string"). Never the input itself.
 */
function schemaMessage(issue: z.core.$ZodIssue): string {
  if (!issue.message.startsWith(ZOD_WORDING)) return issue.message;

  // zod can only say that no form of a union fits; the schema's own words say which forms.
  if (issue.code === "invalid_union") return "expected one of the documented forms";
  const words = expectation({ ...issue, message: issue.message.slice(ZOD_WORDING.length) });
  // YAML has no undefined: an undefined input is a missing key.
  const missing = issue.code === "invalid_value" && issue.input === undefined;
  return `expected ${words}${missing ? " (it is missing)" : ""}`;
}

/** Marks zod's own wording of an issue: a parse's error map runs only where the schema has none. */
const ZOD_WORDING = "\u0000";

function markZodWording(issue: z.core.$ZodRawIssue): string | undefined {
  const wording = z.config().localeError?.(issue);
  const text = typeof wording === "string" ? wording : wording?.message;
  return text === undefined ? undefined : `${ZOD_WORDING}${text}`;
}

const CHECK_SPELLING = "or check its spelling and indentation";
