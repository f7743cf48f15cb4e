import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { Cap, Channel, LawfulBasis, QuietHours, SendRecord } from "../../src/engine/types.ts";
import type { PacingRequest } from "../../src/pacing/caps.ts";
import { type PaceInput, pace } from "../../src/pacing/pace.ts";
import { clock, iso, periodInWords } from "../../src/pacing/pacing-detail.ts";
import { isQuietAt } from "../../src/pacing/quiet-hours.ts";
import { propertyRuns } from "../support/property-runs.ts";

const RUNS = propertyRuns();
const T0 = Date.UTC(2025, 2, 7, 9); // a Friday before New York springs forward
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Sydney",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/St_Johns",
  "UTC",
];
const CHANNELS: readonly Channel[] = ["email", "sms"];
const BASES: readonly LawfulBasis[] = ["consent", "legitimate_interests", "contract"];

const request = (at: number, over: Partial<PacingRequest> = {}): PacingRequest => ({
  at,
  channel: "email",
  nodeId: "nudge",
  basis: "consent",
  ...over,
});
const nightly: QuietHours = { startMinute: 21 * 60, endMinute: 8 * 60, mode: "defer" };
const daily: Cap = { id: "daily", scope: "node", max: 1, periodMs: DAY, counts: "marketing" };

// ------------------------------------------------------------------ examples

describe("pace: what it says", () => {
  test("a failed cap names the cap, the count, the maximum and the period in words", () => {
    const result = pace({
      caps: [daily],
      history: [request(T0)],
      request: request(T0 + HOUR),
      zone: "UTC",
    });
    assert.equal(result.ok, false);
    assert.match(result.detail, /cap daily \(node\) reached: 1 send counted, max 1 per 1 day/);
    assert.match(result.detail, /admits again at 2025-03-08T09:00:00.000Z/);
  });

  test("a cap release moved by quiet hours says so", () => {
    const caps = [{ ...daily, periodMs: 12 * HOUR }];
    const input: PaceInput = {
      caps,
      history: [request(T0)],
      request: request(T0 + HOUR),
      quietHours: nightly,
      zone: "UTC",
    };
    const result = pace(input);
    assert.ok(!result.ok && result.reason === "cap_reached");
    assert.equal(result.deferUntil, T0 + 23 * HOUR);
    assert.match(result.detail, /quiet hours 21:00–08:00 in UTC move it to 2025-03-08T08:00/);
  });

  test("quiet hours name the window, the zone and the subject's local time", () => {
    const at = Date.UTC(2025, 2, 7, 16, 30); // 22:15 in Kathmandu
    const result = pace({
      caps: [],
      history: [],
      request: request(at),
      quietHours: nightly,
      zone: "Asia/Kathmandu",
    });
    assert.ok(!result.ok && result.reason === "quiet_hours");
    assert.equal(result.capId, undefined);
    assert.equal(
      result.detail,
      "quiet hours 21:00–08:00 in Asia/Kathmandu: local time 22:15, allowed from 08:00",
    );
  });

  test("an admitted request lists the caps it passed, including one with no maximum", () => {
    const unlimited: Cap = { id: "unlimited", scope: "global", periodMs: DAY, counts: "all" };
    const result = pace({
      caps: [unlimited, daily],
      history: [],
      request: request(T0),
      zone: "UTC",
    });
    assert.deepEqual(result, {
      ok: true,
      evidence: ["cap:unlimited", "cap:daily"],
      detail: "within caps unlimited, daily",
    });
  });

  test("periods and clock times in words", () => {
    assert.equal(periodInWords(7 * DAY), "7 days");
    assert.equal(periodInWords(36 * HOUR), "1 day 12 hours");
    assert.equal(periodInWords(90 * MINUTE + 1), "1 hour 30 minutes 1 millisecond");
    assert.equal(periodInWords(0), "0 milliseconds");
    assert.equal(clock(0), "00:00");
    assert.equal(clock(8 * 60 + 5), "08:05");
    assert.equal(clock(21 * 60 + 59.9), "21:59");
  });
});

describe("pace: instants in evidence", () => {
  test("iso writes what Date.prototype.toISOString writes", () => {
    const arbAt = fc.oneof(
      fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.constantFrom(0, -1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_800_000),
    );
    fc.assert(
      fc.property(arbAt, (at) => assert.equal(iso(at), new Date(at).toISOString())),
      { numRuns: RUNS },
    );
  });
});

// ------------------------------------------------------------------ a stream of requests

const arbCap = (id: string): fc.Arbitrary<Cap> =>
  fc
    .record({
      scope: fc.constantFrom("node" as const, "channel" as const, "global" as const),
      channel: fc.option(fc.constantFrom(...CHANNELS), { nil: undefined }),
      max: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 8 }),
      periodMs: fc.constantFrom(HOUR, 6 * HOUR, DAY, 36 * HOUR, 7 * DAY),
      counts: fc.constantFrom("marketing" as const, "all" as const),
    })
    .map((cap) => ({ id, ...cap }));

const arbScenario = fc.record({
  caps: fc.tuple(arbCap("a"), arbCap("b")).chain((caps) => fc.subarray(caps)),
  zone: fc.constantFrom(...ZONES),
  quietHours: fc.option(
    fc.record({
      startMinute: fc.integer({ min: 0, max: 1439 }),
      endMinute: fc.integer({ min: 0, max: 1439 }),
      mode: fc.constantFrom("defer" as const, "drop" as const),
    }),
    { nil: undefined },
  ),
  requests: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 4 * DAY }).map((ms) => T0 + ms),
      channel: fc.constantFrom(...CHANNELS),
      nodeId: fc.constantFrom("a", "b"),
      basis: fc.constantFrom(...BASES),
    }),
    { minLength: 1, maxLength: 25 },
  ),
});

type Scenario = typeof arbScenario extends fc.Arbitrary<infer S> ? S : never;

/** Allowed requests become sends; deferred ones are retried at deferUntil, in time order. */
function simulate(scenario: Scenario): SendRecord[] {
  const { caps, zone, quietHours } = scenario;
  const queue = scenario.requests.map((r) => ({ r, retries: 0 }));
  const history: SendRecord[] = [];

  while (queue.length > 0) {
    queue.sort((x, y) => x.r.at - y.r.at);
    const next = queue.shift();
    if (next === undefined) break;
    const result = pace({ caps, history, request: next.r, zone, quietHours });
    if (result.ok) {
      history.push(next.r);
      continue;
    }
    assert.ok(result.deferUntil > next.r.at, "deferUntil is after the request");
    const retry = { ...next.r, at: result.deferUntil };
    const again = pace({ caps, history, request: retry, zone, quietHours });
    assert.equal(again.ok, true, "the request is admitted at deferUntil");
    if (next.retries < 20) queue.push({ r: retry, retries: next.retries + 1 });
  }
  return history;
}

describe("pace: properties", () => {
  test("sends never exceed a cap in any window and never fall in quiet hours", () => {
    fc.assert(
      fc.property(arbScenario, (scenario) => {
        const history = simulate(scenario);
        for (const sent of history) {
          const { quietHours, zone } = scenario;
          if (quietHours !== undefined) assert.equal(isQuietAt(quietHours, zone, sent.at), false);
          for (const cap of scenario.caps) assertWithin(cap, history, sent);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The window ending at `sent` holds at most `max` of the sends the cap counts for it. */
function assertWithin(cap: Cap, history: readonly SendRecord[], sent: SendRecord): void {
  const service = (basis: LawfulBasis) => basis === "contract";
  if (cap.max === undefined) return;
  if (cap.counts === "marketing" && service(sent.basis)) return;
  if (cap.channel !== undefined && cap.channel !== sent.channel) return;

  const channel = cap.channel ?? (cap.scope === "channel" ? sent.channel : undefined);
  const counted = history.filter(
    (s) =>
      sent.at - cap.periodMs < s.at &&
      s.at <= sent.at &&
      !(cap.counts === "marketing" && service(s.basis)) &&
      (channel === undefined || s.channel === channel) &&
      (cap.scope !== "node" || s.nodeId === sent.nodeId),
  );
  assert.ok(counted.length <= cap.max, `cap ${cap.id}: ${counted.length} > ${cap.max}`);
}
