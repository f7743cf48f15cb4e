import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { ExperimentSpec } from "../../src/engine/node.ts";
import { armForBucket, assignArm, bucketOf, fnv1a32 } from "../../src/experiment/assignment.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();

// ------------------------------------------------------------------ generators

/** Any UTF-16 text, lone surrogates included, mixed with realistic ids. */
const text = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
  fc.string({ unit: "binary" }),
  fc.string(),
  fc.uuid(),
);

const weight = fc.oneof(
  fc.integer({ min: 0, max: 100 }),
  fc.integer({ min: 1, max: 1_000_000 }).map((n) => n / 1000),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.constantFrom(1 / 3, 0.1, 0.2, 0.7),
);

const arms = fc
  .array(weight, { minLength: 1, maxLength: 6 })
  .filter((weights) => weights.reduce((sum, w) => sum + w, 0) > 0)
  .map((weights) => weights.map((w, i) => ({ name: `arm-${i}`, weight: w })));

// fc.double alone spreads over the binary representation, so most of its values are tiny:
// mix in shares spread evenly over (0, 1] and the usual ones.
const traffic = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }).map((n) => n / 10_000),
  fc.constantFrom(0.1, 0.25, 1 / 3, 0.5, 0.9, 1),
  fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }),
);

/** Two traffic shares t1 < t2. */
const trafficPair = fc
  .tuple(traffic, traffic)
  .filter(([a, b]) => a !== b)
  .map(([a, b]): [number, number] => (a < b ? [a, b] : [b, a]));

/** Buckets anywhere in [0, 1), with the interval edges of simple weights well represented. */
const bucket = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((hash) => hash / 2 ** 32),
  fc.constantFrom(0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 2 / 3, 0.7, 0.75, 0.9, 1 - 2 ** -32),
);

function spec(armList: ExperimentSpec["arms"], share: number, salt = "s"): ExperimentSpec {
  return { salt, arms: armList, control: armList[0]?.name ?? "", traffic: share };
}

/** FNV-1a 32 over TextEncoder's bytes: the reference for the allocation-free encoder. */
function referenceFnv(input: string): number {
  let hash = 0x811c9dc5;
  for (const value of new TextEncoder().encode(input)) {
    hash = Math.imul(hash ^ value, 0x01000193);
  }
  return hash >>> 0;
}

// ------------------------------------------------------------------ hash

describe("fnv1a32", () => {
  test("matches the published FNV-1a 32-bit test vectors", () => {
    assert.equal(fnv1a32(""), 0x811c9dc5);
    assert.equal(fnv1a32("a"), 0xe40c292c);
    assert.equal(fnv1a32("foobar"), 0xbf9cf968);
  });

  test("hashes the bytes TextEncoder produces, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(text, (input) => fnv1a32(input) === referenceFnv(input)),
      { numRuns },
    );
  });
});

describe("bucketOf", () => {
  test("the bucket lies in [0, 1) for any salt and subject id", () => {
    fc.assert(
      fc.property(text, text, (salt, subjectId) => {
        const value = bucketOf(salt, subjectId);
        return value >= 0 && value < 1;
      }),
      { numRuns },
    );
  });

  test("the bucket is stable: the same inputs give the same bucket, whatever came between", () => {
    fc.assert(
      fc.property(text, text, text, (salt, subjectId, other) => {
        const first = bucketOf(salt, subjectId);
        bucketOf(other, other);
        return bucketOf(salt, subjectId) === first;
      }),
      { numRuns },
    );
  });

  test("sequential ids spread evenly: every tenth of [0, 1) holds 10% ± 0.5pp", () => {
    // Plain FNV-1a fails this (its top bits follow the last character); the finaliser passes.
    for (const format of [(i: number) => `subject-${i}`, (i: number) => `u${i}`]) {
      const deciles = new Array<number>(10).fill(0);
      const count = 100_000;
      for (let i = 0; i < count; i++) {
        const index = Math.floor(bucketOf("claim-status-2026q1", format(i)) * 10);
        deciles[index] = (deciles[index] ?? 0) + 1;
      }
      for (const n of deciles) assert.ok(Math.abs(n / count - 0.1) < 0.005, `${deciles}`);
    }
  });
});

// ------------------------------------------------------------------ assignment

describe("assignArm", () => {
  test("a subject never moves from one arm to another when only the traffic share changes", () => {
    fc.assert(
      fc.property(text, text, arms, trafficPair, (salt, subjectId, armList, [low, high]) => {
        const before = assignArm(spec(armList, low, salt), subjectId).arm;
        const after = assignArm(spec(armList, high, salt), subjectId).arm;
        return before === null || before === after;
      }),
      { numRuns },
    );
  });

  test("at any bucket, raising the traffic share only adds subjects, into the same arm", () => {
    fc.assert(
      fc.property(bucket, arms, trafficPair, (point, armList, [low, high]) => {
        const before = armForBucket(spec(armList, low), point);
        const after = armForBucket(spec(armList, high), point);
        return before === null || before === after;
      }),
      { numRuns },
    );
  });

  test("at full traffic every subject is in an arm with positive weight", () => {
    fc.assert(
      fc.property(bucket, arms, (point, armList) => {
        const name = armForBucket(spec(armList, 1), point);
        return armList.some((arm) => arm.name === name && arm.weight > 0);
      }),
      { numRuns },
    );
  });

  test("the arm at a lower traffic share is the arm at full traffic or null", () => {
    fc.assert(
      fc.property(text, arms, traffic, (subjectId, armList, share) => {
        const partial = assignArm(spec(armList, share), subjectId);
        const full = assignArm(spec(armList, 1), subjectId);
        return partial.bucket === full.bucket && (partial.arm === null || partial.arm === full.arm);
      }),
      { numRuns },
    );
  });

  test("arm shares over 100k sequential ids match the weights within 1pp", () => {
    const cases: [readonly number[], number][] = [
      [[90, 10], 1],
      [[1, 1, 1], 1],
      [[0.2, 0.5, 0.3], 1],
      [[90, 10], 0.5],
      [[1, 1, 1], 0.25],
    ];
    for (const [weights, share] of cases) assertShares(weights, share);
  });

  test("buckets follow the interval rule [c_i, c_i + w_i · traffic)", () => {
    const halves = spec(
      [
        { name: "a", weight: 1 },
        { name: "b", weight: 1 },
      ],
      0.5,
    );
    assert.equal(armForBucket(halves, 0), "a");
    assert.equal(armForBucket(halves, 0.2499), "a");
    assert.equal(armForBucket(halves, 0.25), null);
    assert.equal(armForBucket(halves, 0.4999), null);
    assert.equal(armForBucket(halves, 0.5), "b");
    assert.equal(armForBucket(halves, 0.7499), "b");
    assert.equal(armForBucket(halves, 0.75), null);
    assert.equal(armForBucket(halves, 1 - 2 ** -32), null);
  });

  test("a zero-weight arm is never chosen", () => {
    const withEmpty = spec(
      [
        { name: "off", weight: 0 },
        { name: "on", weight: 1 },
      ],
      1,
    );
    assert.equal(armForBucket(withEmpty, 0), "on");
  });

  test("malformed weights are an internal fault, refused with a clear error", () => {
    const malformed = [[], [0, 0], [-1, 2], [Number.NaN, 1], [Number.POSITIVE_INFINITY, 1]];
    for (const weights of malformed) {
      const bad = spec(
        weights.map((w, i) => ({ name: `arm-${i}`, weight: w })),
        1,
      );
      assert.throws(() => assignArm(bad, "subject-1"), /arm weights must be finite/);
    }
  });
});

function assertShares(weights: readonly number[], share: number): void {
  const armList = weights.map((w, i) => ({ name: `arm-${i}`, weight: w }));
  const experiment = spec(armList, share, "share-check");
  const total = weights.reduce((sum, w) => sum + w, 0);
  const counts = new Map<string | null, number>();
  const count = 100_000;
  for (let i = 0; i < count; i++) {
    const { arm } = assignArm(experiment, `subject-${i}`);
    counts.set(arm, (counts.get(arm) ?? 0) + 1);
  }

  for (const arm of armList) {
    const observed = (counts.get(arm.name) ?? 0) / count;
    const expected = (arm.weight / total) * share;
    assert.ok(
      Math.abs(observed - expected) < 0.01,
      `${arm.name}: ${observed} vs ${expected} (${weights}, traffic ${share})`,
    );
  }
  const outside = (counts.get(null) ?? 0) / count;
  assert.ok(Math.abs(outside - (1 - share)) < 0.01, `outside: ${outside} vs ${1 - share}`);
}
