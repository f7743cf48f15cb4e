/**
 * Quiet hours: a wall-clock window `[start, end)` in the subject's IANA zone.
 *
 * The rule, which also settles daylight-saving changes: an instant is inside quiet hours
 * exactly when its local wall time (in `zone`, at that instant) lies in `[start, end)`; a
 * window whose start is after its end runs overnight; `start === end` is an empty window. The
 * next allowed instant is the earliest instant, at or after the given one, that is not inside.
 *
 * Consequences at the transitions:
 * - Spring forward (a wall-clock gap): when the end falls in the gap, the window ends at the
 *   first instant after the gap (the local clock jumps past the end).
 * - Fall back (a repeated hour): wall times in the repeated hour occur twice and each
 *   occurrence is judged on its own. A window ending at 01:30 in New York on 2025-11-02 ends
 *   at 01:30 EDT; at 01:00 EST the clock reads a quiet time again and quiet hours resume until
 *   01:30 EST. A window starting in the repeated hour can likewise be left when the clock falls
 *   back below its start.
 * - A gap can swallow the whole allowed interval (02:01–02:00 on a night the clock jumps from
 *   02:00 to 03:00): quiet hours then run on to the next day's end.
 */

import type { Instant, QuietHours } from "../engine/types.ts";
import { zoneOffsetMs } from "./zone-offset.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Each step crosses an offset change; no zone changes offset this often in a day. */
const MAX_STEPS = 8;

/**
 * `at` itself when it is outside quiet hours, else the next instant quiet hours end in `zone`
 * (see the module comment for the daylight-saving rule). Throws a `RangeError` for an unknown
 * zone.
 *
 * @example
 * // 21:00–08:00 in London; 23:00 BST on 2025-06-01 waits until 08:00 BST (07:00Z).
 * nextAllowedInstant({ startMinute: 1260, endMinute: 480, mode: "defer" }, "Europe/London",
 *   Date.parse("2025-06-01T22:00:00Z")) // Date.parse("2025-06-02T07:00:00Z")
 */
export function nextAllowedInstant(quietHours: QuietHours, zone: string, at: Instant): Instant {
  let instant = at;

  for (let step = 0; step < MAX_STEPS; step++) {
    const offset = zoneOffsetMs(zone, instant);
    const wait = quietRemainingMs(quietHours, instant + offset);
    if (wait === 0) return instant;

    // With the same offset at both ends, the wall clock ran straight to the end of the window
    // (no zone changes its offset and back within a day; the property tests check 1990–2040).
    const end = instant + wait;
    if (zoneOffsetMs(zone, end) === offset) return end;

    // The offset changed on the way: judge again from the first instant of the new offset.
    instant = firstOffsetChange(zone, instant, end, offset);
  }
  throw new Error(`quiet hours: more than ${MAX_STEPS} offset changes in ${zone}`);
}

/** Whether `at` is inside quiet hours in `zone`, by the rule in the module comment. */
export function isQuietAt(quietHours: QuietHours, zone: string, at: Instant): boolean {
  return quietRemainingMs(quietHours, at + zoneOffsetMs(zone, at)) > 0;
}

/** The local wall time of `at` in `zone`, as ms after local midnight. */
export function wallMsOfDay(zone: string, at: Instant): number {
  return modDay(at + zoneOffsetMs(zone, at));
}

/**
 * For a local wall time (ms on the local time line), how long the wall clock must run until
 * quiet hours end: 0 when outside them.
 */
function quietRemainingMs(quietHours: QuietHours, wall: number): number {
  const start = quietHours.startMinute * MINUTE_MS;
  const end = quietHours.endMinute * MINUTE_MS;
  const ofDay = modDay(wall);

  if (start < end) return ofDay >= start && ofDay < end ? end - ofDay : 0;
  if (start === end) return 0;
  if (ofDay >= start) return DAY_MS - ofDay + end;
  return ofDay < end ? end - ofDay : 0;
}

/** The first instant in (from, to] whose offset is not `offset`; one exists by the caller. */
function firstOffsetChange(zone: string, from: Instant, to: Instant, offset: number): Instant {
  let low = from;
  let high = to;

  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zoneOffsetMs(zone, middle) === offset) low = middle;
    else high = middle;
  }
  return high;
}

/** Also turns the -0 of a negative multiple of a day into 0. */
function modDay(wall: number): number {
  return ((wall % DAY_MS) + DAY_MS) % DAY_MS;
}
