import type { z } from "zod";

/**
 * What a field should have held, as a phrase that follows "expected" (the CLI prints
 * `pointer: expected …`, the API puts it in a problem's `errors[].detail`): "a string (it is
 * missing)", "one of \"email\", \"sms\"", "an ISO 8601 date-time with its offset, e.g.
 * 2025-01-06T09:00:00Z". Built from the issue's kind and limits, never from the input.
 *
 * @example expectation(issue) // "a non-empty string"
 */
export function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return typeExpectation(issue);
    case "too_small":
      return boundExpectation(
        issue.origin,
        "at least",
        "more than",
        issue.minimum,
        issue.inclusive,
      );
    case "too_big":
      return boundExpectation(issue.origin, "at most", "less than", issue.maximum, issue.inclusive);
    case "invalid_format":
      return FORMATS[issue.format] ?? `a valid ${issue.format}`;
    case "invalid_value":
      return oneOf(issue.values);
    case "unrecognized_keys":
      return "only the documented fields (remove this one)";
    case "invalid_union":
      return unionExpectation(issue);
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}

const FORMATS: Readonly<Record<string, string>> = {
  datetime: "an ISO 8601 date-time with its offset, e.g. 2025-01-06T09:00:00Z",
  date: "an ISO 8601 date, e.g. 2025-01-06",
  email: "an e-mail address",
  url: "a URL",
  uuid: "a UUID",
};

/** zod's type names as nouns with their article. */
const NOUNS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
  null: "null",
  undefined: "nothing",
  date: "a date",
};

function noun(type: string): string {
  return NOUNS[type] ?? `a value of type ${type}`;
}

/**
 * "a string, not a number". A number that is not finite (a query's `abc` coerced to NaN) or not
 * whole is still a number, so it is named by what was wanted alone: "a number", "a whole number".
 */
function typeExpectation(issue: z.core.$ZodIssueInvalidType): string {
  const received = /received (\w+)/.exec(issue.message)?.[1];
  const wanted = noun(issue.expected);
  if (received === undefined || NOT_A_TYPE.has(received)) return wanted;
  if (received === "undefined") return `${wanted} (it is missing)`;
  if (received === "number" && issue.expected === "int") return wanted;
  return `${wanted}, not ${noun(received)}`;
}

/** What zod reports as received for a number that is not a finite one. */
const NOT_A_TYPE: ReadonlySet<string> = new Set(["NaN", "Infinity"]);

/**
 * A discriminated union names the values its discriminator may hold ("one of \"event\",
 * \"consent\""); a plain union only knows that no form matched.
 */
function unionExpectation(issue: z.core.$ZodIssueInvalidUnion): string {
  const options = "options" in issue ? (issue.options ?? []) : [];
  return options.length === 0 ? "a value in one of the documented forms" : oneOf(options);
}

/** `one of "email", "sms"`: strings quoted, other literals (1, true, null) as written. */
function oneOf(values: readonly unknown[]): string {
  const written = values.map((value) =>
    typeof value === "string" ? JSON.stringify(value) : String(value),
  );
  return `one of ${written.join(", ")}`;
}

function boundExpectation(
  origin: string,
  inclusiveWords: string,
  exclusiveWords: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
): string {
  const bound = `${inclusive === false ? exclusiveWords : inclusiveWords} ${limit}`;
  if (origin === "string") {
    if (inclusiveWords === "at least" && Number(limit) === 1) return "a non-empty string";
    return `a string of ${bound} ${Number(limit) === 1 ? "character" : "characters"}`;
  }
  if (origin === "array" || origin === "set") {
    return `${bound} ${Number(limit) === 1 ? "item" : "items"}`;
  }
  return `a number ${bound}`;
}
