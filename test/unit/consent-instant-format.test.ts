import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isoInstant } from "../../src/engine/instant-format.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();

const YEAR_0 = Date.parse("0000-01-01T00:00:00.000Z");
const YEAR_9999_END = Date.parse("9999-12-31T23:59:59.999Z");

describe("isoInstant", () => {
  test("formats like Date#toISOString at the calendar's edges", () => {
    const edges = [
      "1970-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "2000-02-29T12:34:56.789Z",
      "1900-03-01T00:00:00.001Z",
      "2024-12-31T23:59:59.999Z",
      "0000-01-01T00:00:00.000Z",
      "0000-02-29T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
    ];
    for (const edge of edges) assert.equal(isoInstant(Date.parse(edge)), edge);
  });

  test("agrees with Date#toISOString on every whole millisecond of years 0000 to 9999", () => {
    const inRange = fc.integer({ min: YEAR_0, max: YEAR_9999_END });
    fc.assert(
      fc.property(inRange, (at) => {
        assert.equal(isoInstant(at), new Date(at).toISOString());
      }),
      { numRuns },
    );
  });

  test("defers to Date outside years 0000 to 9999, and never throws", () => {
    assert.equal(isoInstant(YEAR_0 - 1), new Date(YEAR_0 - 1).toISOString());
    assert.equal(isoInstant(8.64e15), new Date(8.64e15).toISOString());
    assert.equal(isoInstant(1.5), new Date(1.5).toISOString());
    assert.equal(isoInstant(Number.NaN), "NaN");
    assert.equal(isoInstant(Number.POSITIVE_INFINITY), "Infinity");
    assert.equal(isoInstant(1e300), "1e+300");
  });
});
