/**
 * Experiment assignment: a subject's arm from a stable hash of the experiment salt and the
 * subject id. Pure and allocation-free apart from the returned object; called once per decision.
 *
 * The hash, `assent-bucket-v1`, is specified so that any client can reproduce it:
 *
 * 1. FNV-1a 32-bit (offset basis 0x811c9dc5, prime 0x01000193) over the UTF-8 bytes of
 *    `${salt}:${subjectId}`; a lone UTF-16 surrogate is encoded as U+FFFD, as `TextEncoder` does.
 * 2. The MurmurHash3 `fmix32` finaliser on the result. FNV-1a alone leaves its top bits poorly
 *    mixed by the last bytes, so sequential ids (`subject-1`, `subject-2`, …) skew arm shares by
 *    up to a percentage point; the finaliser is a bijection that removes the skew.
 * 3. The unsigned 32-bit result divided by 2^32: a bucket in [0, 1).
 *
 * Within one experiment distinct subject ids always hash distinct bytes. Across experiments a
 * salt ending in `:` can meet another's (`s:` + `x` and `s` + `:x`), so salts should avoid `:`.
 * `scripts/golden/assignment.py` implements the same definition independently.
 */

import type { ExperimentSpec } from "../engine/node.ts";

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const COLON = 0x3a;
const REPLACEMENT_CHARACTER = 0xfffd;
const TWO_TO_32 = 2 ** 32;

/** The arm a subject falls in, and the bucket that put it there (logged for audit). */
export interface Assignment {
  /** The arm's name, or null when the subject is outside the experiment's traffic share. */
  readonly arm: string | null;
  readonly bucket: number;
}

/**
 * FNV-1a 32-bit over the UTF-8 encoding of `text`, as an unsigned integer. Encodes on the fly,
 * so it allocates nothing; a lone surrogate hashes as U+FFFD.
 *
 * @example
 * fnv1a32("a"); // 0xe40c292c
 * fnv1a32(""); // 0x811c9dc5
 */
export function fnv1a32(text: string): number {
  return hashText(FNV_OFFSET_BASIS, text) >>> 0;
}

/**
 * A stable bucket in [0, 1) from the experiment salt and the subject id (`assent-bucket-v1`,
 * defined at the top of this file). The same inputs give the same bucket in every process,
 * release and language.
 *
 * @example
 * bucketOf("claim-status-2026q1", "subject-42"); // 0.28710353770293295, everywhere, always
 */
export function bucketOf(salt: string, subjectId: string): number {
  return bucketAfter(saltState(salt), subjectId);
}

/** The FNV state after `${salt}:`, which every subject's hash continues from. */
function saltState(salt: string): number {
  return byte(hashText(FNV_OFFSET_BASIS, salt), COLON);
}

function bucketAfter(withSalt: number, subjectId: string): number {
  return (fmix32(hashText(withSalt, subjectId)) >>> 0) / TWO_TO_32;
}

/**
 * The subject's arm, or null when the subject falls outside the experiment's traffic share.
 *
 * With weights w_i normalised to sum 1 and c_i the normalised weight of the arms before arm i,
 * arm i owns the buckets [c_i, c_i + w_i · traffic). Which arm's interval a bucket lies in never
 * depends on the traffic share, and each interval only grows with it: raising the share only
 * adds subjects, lowering it only removes them (arm null), and nobody ever changes arms.
 * Interval ends are cumulative raw weights divided by their sum: the last arm ends at exactly 1,
 * so full traffic puts every subject in an arm; and for integer weights summing below 2^21 a
 * bucket k / 2^32 never lies between an exact end and its rounded value, so owners agree with
 * exact rational arithmetic (as in the golden generator).
 *
 * Throws when a weight is negative or not finite, or when the weights sum to zero: a malformed
 * experiment is an internal fault, which the engine turns into a fail-closed decision.
 *
 * @example
 * const spec = {
 *   salt: "claim-status-2026q1",
 *   arms: [{ name: "treatment", weight: 90 }, { name: "holdout", weight: 10 }],
 *   control: "holdout",
 *   traffic: 1,
 * };
 * assignArm(spec, "subject-42"); // { arm: "treatment", bucket: 0.28710353770293295 }
 * assignArm(spec, "subject-1"); // { arm: "holdout", bucket: 0.9426835041958839 }
 */
export function assignArm(spec: ExperimentSpec, subjectId: string): Assignment {
  const { withSalt, intervals } = preparedOf(spec);
  const bucket = bucketAfter(withSalt, subjectId);
  return { arm: armIn(intervals, bucket), bucket };
}

/** One arm's interval ends under the rule of `armForBucket`, divided by the weight sum. */
interface ArmInterval {
  readonly name: string;
  readonly end: number;
  readonly trafficEnd: number;
}

/** What an experiment needs on every assignment and depends on the spec alone. */
interface PreparedExperiment {
  readonly withSalt: number;
  readonly intervals: readonly ArmInterval[];
}

/**
 * Specs are immutable once compiled, so the salt's hash state and the arm intervals are worked
 * out once per spec: hashing the salt again and summing the weights was a third of the cost of
 * an assignment. A malformed spec throws here, every time, and is never memoised.
 */
const preparedSpecs = new WeakMap<ExperimentSpec, PreparedExperiment>();

function preparedOf(spec: ExperimentSpec): PreparedExperiment {
  let prepared = preparedSpecs.get(spec);
  if (prepared === undefined) {
    prepared = { withSalt: saltState(spec.salt), intervals: armIntervals(spec) };
    preparedSpecs.set(spec, prepared);
  }
  return prepared;
}

/** The same arithmetic, in the same order, as `armForBucket`, so the ends are identical. */
function armIntervals(spec: ExperimentSpec): ArmInterval[] {
  const total = totalWeight(spec);
  const intervals: ArmInterval[] = [];
  let start = 0;
  for (const arm of spec.arms) {
    const end = start + arm.weight;
    const trafficEnd = (start + arm.weight * spec.traffic) / total;
    intervals.push({ name: arm.name, end: end / total, trafficEnd });
    start = end;
  }
  return intervals;
}

function armIn(intervals: readonly ArmInterval[], bucket: number): string | null {
  for (const interval of intervals) {
    if (bucket < interval.end) return bucket < interval.trafficEnd ? interval.name : null;
  }
  return null;
}

/**
 * The arm that owns a bucket under the interval rule of `assignArm`, or null outside the
 * traffic share. Exposed so that readouts and tests can reason about buckets directly.
 *
 * @example
 * const arms = [{ name: "a", weight: 1 }, { name: "b", weight: 1 }];
 * const spec = { salt: "s", arms, control: "b", traffic: 0.5 };
 * armForBucket(spec, 0.1); // "a"    (a owns [0, 0.25))
 * armForBucket(spec, 0.3); // null   (a's half beyond the traffic share)
 * armForBucket(spec, 0.6); // "b"    (b owns [0.5, 0.75))
 */
export function armForBucket(spec: ExperimentSpec, bucket: number): string | null {
  const total = totalWeight(spec);
  let start = 0;
  for (const arm of spec.arms) {
    const end = start + arm.weight;
    if (bucket < end / total) {
      return bucket < (start + arm.weight * spec.traffic) / total ? arm.name : null;
    }
    start = end;
  }

  // Unreachable: the last arm's `end` is the total summed in the same order, so its
  // end / total is exactly 1 and every bucket below 1 has found its arm.
  return null;
}

function totalWeight(spec: ExperimentSpec): number {
  let total = 0;
  for (const arm of spec.arms) {
    if (!(arm.weight >= 0 && arm.weight < Number.POSITIVE_INFINITY)) throw badWeights(spec);
    total += arm.weight;
  }

  if (!(total > 0 && total < Number.POSITIVE_INFINITY)) throw badWeights(spec);
  return total;
}

function badWeights(spec: ExperimentSpec): Error {
  return new Error(
    `experiment ${JSON.stringify(spec.salt)}: arm weights must be finite, non-negative ` +
      "and sum to more than zero",
  );
}

/** Continues an FNV-1a hash over the UTF-8 bytes of `text` without materialising them. */
function hashText(seed: number, text: string): number {
  let hash = seed;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      hash = byte(hash, unit);
      continue;
    }

    const point = scalarAt(text, i, unit);
    if (point > 0xffff) i++;
    hash = scalar(hash, point);
  }
  return hash;
}

/** The Unicode scalar value starting at `i`; a lone surrogate reads as U+FFFD. */
function scalarAt(text: string, i: number, unit: number): number {
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  if (unit > 0xdbff) return REPLACEMENT_CHARACTER;

  // A high surrogate needs a low one next; charCodeAt past the end is NaN and fails the test.
  const next = text.charCodeAt(i + 1);
  if (!(next >= 0xdc00 && next <= 0xdfff)) return REPLACEMENT_CHARACTER;
  return ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
}

/** Hashes the 2-, 3- or 4-byte UTF-8 encoding of a non-ASCII scalar value. */
function scalar(hash: number, point: number): number {
  if (point < 0x800) return byte(byte(hash, 0xc0 | (point >> 6)), 0x80 | (point & 0x3f));

  if (point < 0x10000) {
    const first = byte(hash, 0xe0 | (point >> 12));
    return byte(byte(first, 0x80 | ((point >> 6) & 0x3f)), 0x80 | (point & 0x3f));
  }

  const first = byte(byte(hash, 0xf0 | (point >> 18)), 0x80 | ((point >> 12) & 0x3f));
  return byte(byte(first, 0x80 | ((point >> 6) & 0x3f)), 0x80 | (point & 0x3f));
}

/** One FNV-1a step. Math.imul keeps the product in 32 bits, as the definition requires. */
function byte(hash: number, value: number): number {
  return Math.imul(hash ^ value, FNV_PRIME);
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix32(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
