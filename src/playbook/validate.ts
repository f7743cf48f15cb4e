import type { z } from "zod";
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
  const result = schema.safeParse(data, { reportInput: true });
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
        message: `unknown key ${key}; check its spelling and indentation`,
      }));
    case "invalid_key": {
      const reasons = issue.issues.map((inner) => inner.message).join("; ");
      return [{ path, at: "key", message: `invalid key: ${reasons}` }];
    }
    // YAML has no undefined: an undefined input is a missing key.
    case "invalid_type":
      if (issue.input !== undefined) return [{ path, message: issue.message }];
      return [{ path, message: `missing; expected ${issue.expected}` }];
    case "invalid_value": {
      if (issue.input !== undefined) return [{ path, message: issue.message }];
      const values = issue.values.map(String).join(" | ");
      return [{ path, message: `missing; expected one of ${values}` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}
