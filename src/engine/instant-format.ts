/**
 * ISO 8601 formatting of instants for permission details, without a `Date` per call: the
 * details are built on every permission check, and `Date#toISOString` was half of its cost.
 */

import type { Instant } from "./types.ts";

const DAY_MS = 86_400_000;
// Years 0000 to 9999: outside them ISO 8601 needs a sign and six digits, left to `Date`.
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;
// The ECMAScript Date range; beyond it `toISOString` throws, and a check must never throw.
const DATE_RANGE_MS = 8.64e15;

/**
 * An instant as `Date#toISOString` gives it (`2025-01-02T10:00:00.000Z`), or as its number
 * when it is not a valid date. Never throws.
 *
 * @example
 * isoInstant(1735812000000) // → "2025-01-02T10:00:00.000Z"
 */
export function isoInstant(at: Instant): string {
  if (Number.isInteger(at) && at >= FIRST_MS && at <= LAST_MS) return formatCivil(at);
  if (Number.isFinite(at) && Math.abs(at) <= DATE_RANGE_MS) return new Date(at).toISOString();
  return String(at);
}

// "00" to "99": a lookup instead of a number-to-string conversion per field.
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) =>
  `${n}`.padStart(2, "0"),
);

function two(value: number): string {
  return TWO_DIGITS[value] ?? `${value}`;
}

function formatCivil(at: Instant): string {
  const days = Math.floor(at / DAY_MS);
  const ms = at - days * DAY_MS;
  const hours = two(Math.floor(ms / 3_600_000));
  const minutes = two(Math.floor(ms / 60_000) % 60);
  const seconds = two(Math.floor(ms / 1000) % 60);
  const millis = `${Math.floor((ms % 1000) / 100)}${two(ms % 100)}`;
  return `${civilDate(days)}T${hours}:${minutes}:${seconds}.${millis}Z`;
}

/**
 * Days since 1970-01-01 to `YYYY-MM-DD` in the proleptic Gregorian calendar, by the
 * era-of-400-years method (H. Hinnant, "chrono-compatible low-level date algorithms").
 */
function civilDate(days: number): string {
  const shifted = days + 719_468; // days since 0000-03-01, so that leap days end a year
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${two(Math.floor(year / 100))}${two(year % 100)}-${two(month)}-${two(day)}`;
}
