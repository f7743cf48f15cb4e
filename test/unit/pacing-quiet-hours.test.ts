import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { DateTime, IANAZone } from "luxon";
import type { QuietHours } from "../../src/engine/types.ts";
import { isQuietAt, nextAllowedInstant, wallMsOfDay } from "../../src/pacing/quiet-hours.ts";
import { isKnownZone, zoneOffsetMs } from "../../src/pacing/zone-offset.ts";
import { ZONES as SHARED_ZONES } from "../support/arbitraries.ts";
import { propertyRuns } from "../support/property-runs.ts";

const RUNS = propertyRuns();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// The shared zones (DST, half- and quarter-hour offsets) and Lord Howe's half-hour DST shift.
const ZONES = [...SHARED_ZONES, "Australia/Lord_Howe"];

// ------------------------------------------------------------------ the plain luxon reference

/** Wall time of day in ms, from a luxon DateTime built the ordinary way. */
function luxonWallMs(zone: string, at: number): number {
  const local = DateTime.fromMillis(at, { zone });
  return ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
}

/** Inside quiet hours by the documented rule, judged on luxon's wall clock. */
function luxonQuiet(quiet: QuietHours, zone: string, at: number): boolean {
  const wall = luxonWallMs(zone, at);
  const start = quiet.startMinute * MINUTE;
  const end = quiet.endMinute * MINUTE;
  if (start < end) return start <= wall && wall < end;
  if (start > end) return wall >= start || wall < end;
  return false;
}

// ------------------------------------------------------------------ generators

const YEAR_1990 = Date.UTC(1990, 0, 1);
const YEAR_2040 = Date.UTC(2040, 0, 1);

/** Offset changes of each zone in 1990–2040, found with luxon: where the night is hard. */
const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitionsOf(zone)]));

function transitionsOf(zone: string): number[] {
  const iana = IANAZone.create(zone);
  const found: number[] = [];
  for (let day = YEAR_1990; day < YEAR_2040; day += DAY) {
    if (iana.offset(day) === iana.offset(day + DAY)) continue;
    let low = day;
    let high = day + DAY;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (iana.offset(middle) === iana.offset(low)) low = middle;
      else high = middle;
    }
    found.push(high);
  }
  return found;
}

const arbZone = fc.constantFrom(...ZONES);

/** A zone and an instant: anywhere in 1990–2040, or within 36 hours of one of its transitions. */
const arbZoneInstant = arbZone.chain((zone) => {
  const transitions = TRANSITIONS.get(zone) ?? [];
  const anywhere = fc.integer({ min: YEAR_1990, max: YEAR_2040 });
  if (transitions.length === 0) return fc.tuple(fc.constant(zone), anywhere);
  const near = fc
    .tuple(fc.constantFrom(...transitions), fc.integer({ min: -36 * HOUR, max: 36 * HOUR }))
    .map(([transition, delta]) => transition + delta);
  const onGrid = near.map((at) => Math.round(at / (15 * MINUTE)) * 15 * MINUTE);
  return fc.tuple(fc.constant(zone), fc.oneof(anywhere, near, onGrid));
});

const arbMinute = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.constantFrom(0, 30, 60, 90, 120, 150, 165, 180, 225, 480, 1260, 1380),
);

const arbQuietHours: fc.Arbitrary<QuietHours> = fc.record({
  startMinute: arbMinute,
  endMinute: arbMinute,
  mode: fc.constantFrom("defer" as const, "drop" as const),
});

// ------------------------------------------------------------------ tests

describe("zone offsets: the cached fast path", () => {
  test("matches a plain luxon DateTime over 1900–2100 in every zone", () => {
    const arbAt = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(arbZone, arbAt, (zone, at) => {
        const local = DateTime.fromMillis(at, { zone });
        assert.equal(zoneOffsetMs(zone, at), Math.round(local.offset * MINUTE));
        assert.equal(wallMsOfDay(zone, at), luxonWallMs(zone, at));
      }),
      { numRuns: RUNS },
    );
  });

  test("matches luxon to the millisecond around every transition", () => {
    fc.assert(
      fc.property(arbZoneInstant, fc.integer({ min: -2, max: 2 }), ([zone, at], delta) => {
        const instant = at + delta;
        const local = DateTime.fromMillis(instant, { zone });
        assert.equal(zoneOffsetMs(zone, instant), Math.round(local.offset * MINUTE));
      }),
      { numRuns: RUNS },
    );
  });

  test("stays exact after its bounded memo has been emptied", () => {
    const zone = "Europe/Berlin";
    for (let i = 0; i < 10_000; i++) zoneOffsetMs(zone, Date.UTC(2000, 0, 1) + i * 15 * MINUTE);
    const summer = Date.UTC(2025, 6, 1);
    assert.equal(zoneOffsetMs(zone, summer), 2 * HOUR);
    assert.equal(zoneOffsetMs(zone, Date.UTC(2000, 0, 1)), HOUR);
  });

  test("an unknown zone is refused, and can be recognised beforehand", () => {
    const quiet: QuietHours = { startMinute: 0, endMinute: 60, mode: "defer" };
    assert.throws(() => nextAllowedInstant(quiet, "Mars/Olympus_Mons", 0), RangeError);
    assert.equal(isKnownZone("Mars/Olympus_Mons"), false);
    assert.equal(isKnownZone(""), false);
    for (const zone of ZONES) assert.equal(isKnownZone(zone), true, zone);
  });
});

describe("quiet hours: properties", () => {
  test("the next allowed instant is outside quiet hours and quiet hours end exactly there", () => {
    fc.assert(
      fc.property(arbZoneInstant, arbQuietHours, ([zone, at], quiet) => {
        const next = nextAllowedInstant(quiet, zone, at);
        assert.equal(luxonQuiet(quiet, zone, next), false, "the instant returned is allowed");
        assert.equal(isQuietAt(quiet, zone, at), luxonQuiet(quiet, zone, at));
        if (!luxonQuiet(quiet, zone, at)) {
          assert.equal(next, at, "an allowed instant is returned unchanged");
          return;
        }
        // A day, an hour of fall-back, and another day when a gap swallows a short allowed span.
        assert.ok(next > at && next - at <= 49 * HOUR, "at most two days and an hour later");
        assert.equal(luxonQuiet(quiet, zone, next - 1), true, "quiet until the instant before");
      }),
      { numRuns: RUNS },
    );
  });

  test("no allowed instant lies between the request and the next allowed one (minute scan)", () => {
    fc.assert(
      fc.property(arbZoneInstant, arbQuietHours, ([zone, at], quiet) => {
        const next = nextAllowedInstant(quiet, zone, at);
        const firstMinute = Math.ceil(at / MINUTE) * MINUTE;
        for (let instant = firstMinute; instant < next; instant += MINUTE) {
          assert.ok(
            luxonQuiet(quiet, zone, instant),
            `allowed at ${new Date(instant).toISOString()}`,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });
});
