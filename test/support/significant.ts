import assert from "node:assert/strict";

/**
 * Asserts that `actual` agrees with `expected` to `digits` significant digits: within half a
 * unit of the last digit kept. Reference figures are quoted to 6 digits, so 4 is exact enough
 * and never at the mercy of the reference's own rounding.
 */
export function assertSignificant(actual: number, expected: number, digits = 4, label = ""): void {
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(expected))) - (digits - 1));
  assert.ok(
    Math.abs(actual - expected) <= unit / 2,
    `${label}: ${actual} differs from ${expected} at ${digits} significant digits`,
  );
}
