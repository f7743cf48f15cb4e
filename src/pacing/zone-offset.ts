/**
 * UTC offsets of IANA zones, fast enough for the decision hot path.
 *
 * Building a luxon `DateTime` per decision costs microseconds; asking `IANAZone.offset` costs
 * about one `Intl` format. Both are too slow at 250,000 decisions a second, so offsets are
 * memoised per zone in 15-minute UTC buckets. A bucket whose first and last millisecond
 * disagree holds a transition, which is located to the millisecond once and stored with it,
 * so the answer is exact everywhere (assuming, as every tzdb zone does, at most one
 * transition per 15 minutes).
 *
 * The memo is module state, but only a cache of a pure function: it never changes a result.
 * It is bounded: a zone's buckets are dropped when they pass `MAX_BUCKETS`, all zones when
 * they pass `MAX_ZONES`.
 */

import { IANAZone } from "luxon";
import type { Instant } from "../engine/types.ts";

const MINUTE_MS = 60_000;
const BUCKET_MS = 15 * MINUTE_MS;
const MAX_BUCKETS = 8_192;
const MAX_ZONES = 512;

interface Bucket {
  /** Offset in ms from the bucket's start until `changeAt`. */
  readonly before: number;
  /** Offset in ms from `changeAt` to the bucket's end. */
  readonly after: number;
  /** The first instant with offset `after`; `Infinity` when the bucket has no transition. */
  readonly changeAt: number;
}

interface ZoneMemo {
  readonly zone: IANAZone;
  readonly buckets: Map<number, Bucket>;
}

const memos = new Map<string, ZoneMemo>();

/**
 * The offset of `zone` from UTC at `at`, in milliseconds (local wall time = `at` + offset).
 * Throws a `RangeError` for a name that is not an IANA zone.
 *
 * @example zoneOffsetMs("Asia/Kathmandu", Date.UTC(2025, 0, 1)) // 20_700_000 (+05:45)
 */
export function zoneOffsetMs(zone: string, at: Instant): number {
  const memo = zoneMemo(zone);
  const index = Math.floor(at / BUCKET_MS);
  const bucket = memo.buckets.get(index) ?? fillBucket(memo, index);

  return at < bucket.changeAt ? bucket.before : bucket.after;
}

/**
 * Whether `zone` is an IANA zone that pacing accepts. A subject's zone comes from their profile,
 * so the caller checks it (and falls back to the deployment default) before pacing throws.
 *
 * @example isKnownZone("Asia/Kathmandu") // true; isKnownZone("Mars/Olympus_Mons") // false
 */
export function isKnownZone(zone: string): boolean {
  return memos.has(zone) || IANAZone.isValidZone(zone);
}

function zoneMemo(name: string): ZoneMemo {
  const known = memos.get(name);
  if (known !== undefined) return known;

  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new RangeError(`unknown time zone: ${name}`);
  if (memos.size >= MAX_ZONES) memos.clear();

  const memo: ZoneMemo = { zone, buckets: new Map() };
  memos.set(name, memo);
  return memo;
}

function fillBucket(memo: ZoneMemo, index: number): Bucket {
  const start = index * BUCKET_MS;
  const last = start + BUCKET_MS - 1;
  const before = rawOffsetMs(memo.zone, start);
  const after = rawOffsetMs(memo.zone, last);
  const changeAt =
    before === after ? Number.POSITIVE_INFINITY : firstChange(memo.zone, start, last);

  if (memo.buckets.size >= MAX_BUCKETS) memo.buckets.clear();
  const bucket: Bucket = { before, after, changeAt };
  memo.buckets.set(index, bucket);
  return bucket;
}

/** The first instant in (from, to] whose offset differs from the one at `from`. */
function firstChange(zone: IANAZone, from: Instant, to: Instant): Instant {
  const offset = rawOffsetMs(zone, from);
  let low = from;
  let high = to;

  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (rawOffsetMs(zone, middle) === offset) low = middle;
    else high = middle;
  }
  return high;
}

/** Luxon answers in minutes, fractional for old local mean times; rounded to whole ms. */
function rawOffsetMs(zone: IANAZone, at: Instant): number {
  return Math.round(zone.offset(at) * MINUTE_MS);
}
