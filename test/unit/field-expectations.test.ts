import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { expectation } from "../../src/ingest/expectations.ts";

/** The words a bad field gets, read off zod's issue for each kind of mistake. */
function wordsFor(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, "the value must be refused");
  return result.success ? [] : result.error.issues.map(expectation);
}

describe("what a bad field was expected to hold", () => {
  const cases: [string, z.ZodType, unknown, string][] = [
    ["a missing string", z.object({ a: z.string() }), {}, "a string (it is missing)"],
    ["a number for a string", z.string(), 5, "a string, not a number"],
    ["an array for a record", z.record(z.string(), z.number()), [], "an object, not an array"],
    ["an empty string", z.string().min(1), "", "a non-empty string"],
    ["a short string", z.string().min(3), "ab", "a string of at least 3 characters"],
    ["a long string", z.string().max(2), "abc", "a string of at most 2 characters"],
    ["a small number", z.number().min(1), 0, "a number at least 1"],
    ["a number not above 0", z.number().positive(), 0, "a number more than 0"],
    ["too many items", z.array(z.number()).max(1), [1, 2], "at most 1 item"],
    ["a value outside the enum", z.enum(["email", "sms"]), "fax", 'one of "email", "sms"'],
    [
      "a date without its offset",
      z.iso.datetime({ offset: true }),
      "2025-01-06 09:00",
      "an ISO 8601 date-time with its offset, e.g. 2025-01-06T09:00:00Z",
    ],
    [
      "a bad discriminator",
      z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("event") }),
        z.object({ kind: z.literal("consent") }),
      ]),
      { kind: "bogus" },
      'one of "event", "consent"',
    ],
    [
      "a value no form of a union takes",
      z.union([z.boolean(), z.number()]),
      "yes",
      "a value in one of the documented forms",
    ],
    ["a word coerced to a number", z.coerce.number().int(), "abc", "a number"],
    ["a fraction coerced to a whole number", z.coerce.number().int(), "1.5", "a whole number"],
    ["a fraction for a whole number", z.int(), 1.5, "a whole number"],
    ["a string for a whole number", z.int(), "2", "a number, not a string"],
    [
      "an unknown key",
      z.strictObject({ a: z.number() }),
      { a: 1, b: 2 },
      "only the documented fields (remove this one)",
    ],
  ];
  for (const [name, schema, value, words] of cases) {
    test(`${name}: "${words}"`, () => {
      assert.deepEqual(wordsFor(schema, value), [words]);
    });
  }

  test("no expectation repeats zod's own prefixes or quotes the input", () => {
    const secret = "ada@example.com";
    const schemas = cases.map(([, schema]) => schema);
    for (const schema of schemas) {
      for (const words of wordsFor(schema, schema instanceof z.ZodString ? 7 : secret)) {
        assert.doesNotMatch(words, /^(Invalid|Too small|Too big)|expected .* expected/);
        assert.ok(!words.includes(secret), words);
      }
    }
  });
});
