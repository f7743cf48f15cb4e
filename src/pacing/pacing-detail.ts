/**
 * The words of pacing explanations: periods, wall-clock times and instants as people read
 * them. Used off the hot path except `clock`.
 */

import { isoInstant } from "../engine/instant-format.ts";
import type { Instant, QuietHours } from "../engine/types.ts";

const UNITS: readonly (readonly [string, number])[] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
  ["millisecond", 1],
];

/**
 * A period in words, largest units first.
 *
 * @example periodInWords(36 * 3_600_000) // "1 day 12 hours"
 */
export function periodInWords(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of UNITS) {
    const whole = Math.floor(rest / size);
    if (whole === 0) continue;
    parts.push(`${whole} ${unit}${whole === 1 ? "" : "s"}`);
    rest -= whole * size;
  }
  return parts.length === 0 ? "0 milliseconds" : parts.join(" ");
}

/**
 * Minutes after midnight as a wall-clock time.
 *
 * @example clock(1260) // "21:00"
 */
export function clock(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60);
  const minutes = Math.floor(minuteOfDay % 60);
  return `${hours < 10 ? "0" : ""}${hours}:${minutes < 10 ? "0" : ""}${minutes}`;
}

/**
 * Quiet hours in words.
 *
 * @example quietHoursInWords({ startMinute: 1260, endMinute: 480, mode: "defer" }, "UTC")
 * // "quiet hours 21:00–08:00 in UTC"
 */
export function quietHoursInWords(quietHours: QuietHours, zone: string): string {
  return `quiet hours ${clock(quietHours.startMinute)}–${clock(quietHours.endMinute)} in ${zone}`;
}

/**
 * An instant as `Date.prototype.toISOString` writes it (as in evidence ids), without a `Date`
 * per call: a capped decision lists every send it counted.
 *
 * @example iso(Date.UTC(2025, 0, 13, 9)) // "2025-01-13T09:00:00.000Z"
 */
export const iso: (at: Instant) => string = isoInstant;
