import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nextAllowedInstant } from "../../src/pacing/quiet-hours.ts";
import { instant, quietHours, readGolden, text } from "./pacing-golden.ts";

const { cases } = readGolden("./quiet-hours.json");

describe("quiet-hours golden cases (test/golden/quiet-hours.json)", () => {
  for (const entry of cases) {
    const name = text(entry.name, "name");
    test(name, () => {
      const window = quietHours(entry, name);
      const at = instant(entry.at, `${name}.at`);
      const got = nextAllowedInstant(window, text(entry.zone, `${name}.zone`), at);
      const expected = instant(entry.expect, `${name}.expect`);
      assert.equal(got, expected, `got ${new Date(got).toISOString()}`);
    });
  }

  test("the file holds at least 20 cases", () => {
    assert.ok(cases.length >= 20);
  });
});
