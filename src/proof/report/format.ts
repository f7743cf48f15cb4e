/**
 * Numbers as a person reads them in a report: four significant digits, p-values with a floor,
 * intervals in brackets, money grouped by thousands.
 */

import type { Interval } from "../readout/readout.ts";

/** Below this a p-value's digits are not trustworthy in double precision. */
const P_FLOOR = 1e-12;

/**
 * Four significant digits, without exponent for everyday sizes.
 *
 * @example sig(0.1827568) // "0.1828"; sig(21307) // "21307"; sig(1.1632e-7) // "1.163e-7"
 */
export function sig(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return value > 0 ? "∞" : value < 0 ? "−∞" : "n/a";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e9) {
    if (Number.isInteger(value) && magnitude >= 10 ** digits) return String(value);
    return String(Number(value.toPrecision(digits)));
  }
  return value.toExponential(digits - 1).replace("e+", "e");
}

/** A p-value: four significant digits, or `< 1e-12`. */
export function pValue(p: number): string {
  return p < P_FLOOR ? `< ${P_FLOOR.toExponential(0).replace("e+", "e")}` : sig(p);
}

/** `[low, high]` at four significant digits. */
export function interval([low, high]: Interval): string {
  return `[${sig(low)}, ${sig(high)}]`;
}

/** A share as a percentage: `0.7214` → `72.14%`. */
export function percent(share: number): string {
  return `${sig(share * 100)}%`;
}

/** Money: grouped, two decimals under 100, whole above. */
export function money(amount: number): string {
  const digits = Math.abs(amount) < 100 ? 2 : 0;
  return amount.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A money interval: `[3,191 to 7,438]`. */
export function moneyInterval([low, high]: Interval): string {
  return `[${money(low)} to ${money(high)}]`;
}
