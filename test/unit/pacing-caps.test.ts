import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { Cap, Channel, LawfulBasis, SendRecord } from "../../src/engine/types.ts";
import {
  capApplies,
  capReleaseAt,
  countedSends,
  isServiceBasis,
  type PacingRequest,
} from "../../src/pacing/caps.ts";
import { propertyRuns } from "../support/property-runs.ts";

const RUNS = propertyRuns();
const T0 = Date.UTC(2025, 0, 6, 9);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const CHANNELS: readonly Channel[] = ["email", "sms", "push"];
const NODES = ["a", "b", "c"];
const BASES: readonly LawfulBasis[] = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
];
const SERVICE = new Set<LawfulBasis>([
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
]);

// ------------------------------------------------------------------ generators

const arbCap = (id: string): fc.Arbitrary<Cap> =>
  fc
    .record({
      scope: fc.constantFrom("node" as const, "channel" as const, "global" as const),
      channel: fc.option(fc.constantFrom(...CHANNELS), { nil: undefined }),
      max: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 8 }),
      periodMs: fc.oneof(
        fc.constantFrom(HOUR, DAY, 36 * HOUR, 7 * DAY),
        fc.integer({ min: 1, max: 3 * DAY }),
      ),
      counts: fc.constantFrom("marketing" as const, "all" as const),
    })
    .map((cap) => ({ id, ...cap }));

const arbCaps = fc
  .integer({ min: 1, max: 3 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbCap(`cap-${i}`))));

/** Instants within `span` after T0: anywhere, or on an hourly grid (on window edges, colliding). */
const arbAt = (span: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: Math.floor(span / HOUR) }).map((hours) => T0 + hours * HOUR),
    fc.integer({ min: 0, max: span }).map((ms) => T0 + ms),
  );

const arbSend = (span: number): fc.Arbitrary<SendRecord> =>
  fc.record({
    at: arbAt(span),
    channel: fc.constantFrom(...CHANNELS),
    nodeId: fc.constantFrom(...NODES),
    basis: fc.oneof(fc.constant<LawfulBasis>("consent"), fc.constantFrom(...BASES)),
  });

/** A cap, a request, and a history crowded into the cap's window, mostly like the request. */
const arbCrowded = fc.tuple(arbCap("c"), arbSend(0)).chain(([cap, base]) => {
  const span = Math.min(2 * cap.periodMs, 14 * DAY);
  const request = { ...base, at: base.at + span };
  const arbLike = arbAt(span).map((at) => ({ ...request, at }));
  const history = fc.array(fc.oneof(arbLike, arbLike, arbSend(span)), { maxLength: 12 });
  return fc.tuple(fc.constant(cap), history, fc.constant(request));
});

// ------------------------------------------------------------------ an independent oracle

function oracleApplies(cap: Cap, request: PacingRequest): boolean {
  if (cap.counts === "marketing" && SERVICE.has(request.basis)) return false;
  return cap.channel === undefined || cap.channel === request.channel;
}

/** Sends the cap counts against a request at `at` (known at request.at), by the words. */
function oracleCount(cap: Cap, history: readonly SendRecord[], request: PacingRequest, at: number) {
  const channel = cap.channel ?? (cap.scope === "channel" ? request.channel : undefined);
  return history.filter(
    (s) =>
      s.at <= request.at &&
      at - cap.periodMs < s.at &&
      s.at <= at &&
      !(cap.counts === "marketing" && SERVICE.has(s.basis)) &&
      (channel === undefined || s.channel === channel) &&
      (cap.scope !== "node" || s.nodeId === request.nodeId),
  ).length;
}

/** The first instant ≥ request.at at which fewer than max sends are counted, by brute force. */
function oracleRelease(cap: Cap, history: readonly SendRecord[], request: PacingRequest) {
  const max = cap.max;
  if (max === undefined || !oracleApplies(cap, request)) return undefined;
  if (oracleCount(cap, history, request, request.at) < max) return undefined;

  const candidates = history.map((s) => s.at + cap.periodMs).filter((c) => c > request.at);
  candidates.sort((a, b) => a - b);
  return candidates.find((c) => oracleCount(cap, history, request, c) < max);
}

// ------------------------------------------------------------------ a stream of requests

interface Pending {
  readonly request: PacingRequest;
  readonly retries: number;
}

/** Allowed requests become sends; deferred ones are retried at their release instant. */
function simulate(caps: readonly Cap[], requests: readonly PacingRequest[]): SendRecord[] {
  const queue: Pending[] = requests.map((request) => ({ request, retries: 0 }));
  const history: SendRecord[] = [];

  for (let next = popEarliest(queue); next !== undefined; next = popEarliest(queue)) {
    const { request, retries } = next;
    const release = latestRelease(caps, history, request);
    if (release === undefined) {
      history.push(request);
      continue;
    }
    assert.ok(release > request.at, "a release instant is after the request");
    assert.equal(latestRelease(caps, history, { ...request, at: release }), undefined);
    if (retries < 20) queue.push({ request: { ...request, at: release }, retries: retries + 1 });
  }
  return history;
}

function latestRelease(caps: readonly Cap[], history: readonly SendRecord[], r: PacingRequest) {
  let latest: number | undefined;
  for (const cap of caps) {
    const release = capReleaseAt(cap, history, r);
    if (release !== undefined && (latest === undefined || release > latest)) latest = release;
  }
  return latest;
}

function popEarliest(queue: Pending[]): Pending | undefined {
  let best = -1;
  queue.forEach((p, i) => {
    const current = queue[best];
    if (current === undefined || p.request.at < current.request.at) best = i;
  });
  return best < 0 ? undefined : queue.splice(best, 1)[0];
}

// ------------------------------------------------------------------ tests

describe("caps: which sends count", () => {
  test("service bases are contract, legal obligation, vital interests and public task", () => {
    assert.deepEqual(
      BASES.filter((basis) => isServiceBasis(basis)),
      ["contract", "legal_obligation", "vital_interests", "public_task"],
    );
  });

  test("a marketing cap does not apply to a service request; an all cap does", () => {
    const request = { at: T0, channel: "email" as const, nodeId: "a", basis: "contract" as const };
    const cap: Cap = { id: "c", scope: "global", max: 1, periodMs: DAY, counts: "marketing" };
    assert.equal(capApplies(cap, request), false);
    assert.equal(capApplies({ ...cap, counts: "all" }, request), true);
  });

  test("a maximum that is not a positive integer is refused", () => {
    const request = { at: T0, channel: "email" as const, nodeId: "a", basis: "consent" as const };
    for (const max of [0, -1, 1.5]) {
      const cap: Cap = { id: "bad", scope: "global", max, periodMs: DAY, counts: "all" };
      assert.throws(() => capReleaseAt(cap, [], request), RangeError);
    }
  });

  test("counted sends come oldest first, from (at − period, at] only", () => {
    const cap: Cap = { id: "c", scope: "global", max: 1, periodMs: DAY, counts: "all" };
    const sendAt = (hours: number): SendRecord => ({
      at: T0 + hours * HOUR,
      channel: "sms",
      nodeId: "a",
      basis: "consent",
    });
    const history = [5, 2, -22, 1, -21].map(sendAt);
    const counted = countedSends(cap, history, sendAt(2));
    assert.deepEqual(
      counted.map((s) => (s.at - T0) / HOUR),
      [-21, 1, 2],
    );
  });
});

describe("caps: properties", () => {
  test("the release instant is the earliest instant at which the cap admits the request", () => {
    fc.assert(
      fc.property(arbCrowded, ([cap, history, request]) => {
        assert.equal(capReleaseAt(cap, history, request), oracleRelease(cap, history, request));
      }),
      { numRuns: RUNS },
    );
  });

  test("never more sends than a cap in any window; a deferred request goes at release", () => {
    const arbRequests = fc.array(arbSend(3 * DAY), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(arbCaps, arbRequests, (caps, requests) => {
        const history = simulate(caps, requests);
        for (const cap of caps) {
          for (const sent of history) {
            if (cap.max === undefined || !oracleApplies(cap, sent)) continue;
            assert.ok(oracleCount(cap, history, sent, sent.at) <= cap.max, `${cap.id} overrun`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
