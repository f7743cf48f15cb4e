import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  type BackoffPolicy,
  backoffCeiling,
  backoffDelay,
  checkBackoff,
} from "../../src/outbox/backoff.ts";
import type { DeliveryResult } from "../../src/outbox/connector.ts";
import { attemptOf } from "../../src/outbox/worker.ts";
import { propertyRuns } from "../support/property-runs.ts";
import { claimed, T0 } from "./support.ts";

const numRuns = propertyRuns();

const arbPolicy: fc.Arbitrary<BackoffPolicy> = fc
  .record({
    baseMs: fc.integer({ min: 1, max: 60_000 }),
    spread: fc.integer({ min: 0, max: 86_400_000 }),
    maxAttempts: fc.integer({ min: 1, max: 30 }),
  })
  .map(({ baseMs, spread, maxAttempts }) => ({ baseMs, capMs: baseMs + spread, maxAttempts }));

const arbAttempt = fc.integer({ min: 1, max: 2000 });
const arbRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("backoff", () => {
  test("the ceiling doubles from the base and never passes the cap", () => {
    fc.assert(
      fc.property(arbPolicy, arbAttempt, (policy, attempt) => {
        const ceiling = backoffCeiling(attempt, policy);
        assert.ok(ceiling <= policy.capMs);
        assert.ok(ceiling >= policy.baseMs);
        assert.ok(backoffCeiling(attempt + 1, policy) >= ceiling);
        const doubled = policy.baseMs * 2 ** (attempt - 1);
        assert.equal(ceiling, Math.min(policy.capMs, doubled));
      }),
      { numRuns },
    );
  });

  test("the ceiling reaches the cap once doubling passes it", () => {
    fc.assert(
      fc.property(arbPolicy, (policy) => {
        const enough = Math.ceil(Math.log2(policy.capMs / policy.baseMs)) + 1;
        assert.equal(backoffCeiling(enough, policy), policy.capMs);
      }),
      { numRuns },
    );
  });

  test("a delay is a draw below its ceiling that grows with attempts for a fixed draw", () => {
    fc.assert(
      fc.property(arbPolicy, arbAttempt, arbRandom, (policy, attempt, draw) => {
        const delay = backoffDelay(attempt, policy, () => draw);
        assert.ok(Number.isInteger(delay));
        assert.ok(delay >= 0);
        assert.ok(delay < backoffCeiling(attempt, policy));
        assert.ok(backoffDelay(attempt + 1, policy, () => draw) >= delay);
      }),
      { numRuns },
    );
  });

  test("a random source outside [0, 1) cannot push a delay past the cap", () => {
    const policy = { baseMs: 100, capMs: 1000, maxAttempts: 3 };
    assert.equal(
      backoffDelay(50, policy, () => 7),
      1000,
    );
    assert.equal(
      backoffDelay(50, policy, () => -3),
      0,
    );
  });

  test("refuses policies that cannot work", () => {
    assert.throws(() => checkBackoff({ baseMs: 0, capMs: 10, maxAttempts: 3 }), RangeError);
    assert.throws(() => checkBackoff({ baseMs: 10, capMs: 5, maxAttempts: 3 }), RangeError);
    assert.throws(() => checkBackoff({ baseMs: 10, capMs: 50, maxAttempts: 0 }), RangeError);
    checkBackoff({ baseMs: 10, capMs: 10, maxAttempts: 1 });
  });
});

describe("the attempt the worker records", () => {
  const arbResult: fc.Arbitrary<DeliveryResult> = fc.record(
    {
      outcome: fc.constantFrom("delivered" as const, "transient" as const, "permanent" as const),
      code: fc.constantFrom("http_200", "http_503", "http_400", "timeout"),
      retryAfterMs: fc.integer({ min: 0, max: 10 * 86_400_000 }),
    },
    { requiredKeys: ["outcome", "code"] },
  );

  test("retries only transient failures before the last attempt, never past the cap", () => {
    fc.assert(
      fc.property(
        arbPolicy,
        fc.integer({ min: 0, max: 40 }),
        arbResult,
        arbRandom,
        (policy, attempts, result, draw) => {
          const delivery = { ...claimed("1"), attempts };
          const attempt = attemptOf(delivery, result, T0, policy, () => draw);
          const retries = result.outcome === "transient" && attempts + 1 < policy.maxAttempts;

          assert.equal(attempt.code, result.code);
          assert.equal(
            attempt.outcome,
            retries ? "transient" : result.outcome === "delivered" ? "delivered" : "permanent",
          );
          assert.equal(attempt.retryAt !== undefined, retries);
          if (attempt.retryAt === undefined) return;
          const wait = attempt.retryAt - T0;
          assert.ok(wait >= 0 && wait <= policy.capMs);
          assert.ok(wait >= Math.min(result.retryAfterMs ?? 0, policy.capMs));
        },
      ),
      { numRuns },
    );
  });
});
