/**
 * The sample-ratio check: are the arms as large as the experiment was designed to make them?
 * A chi-square goodness-of-fit test of the observed counts against the DESIGNED allocation
 * (a 95/5 holdout is checked against 95/5, never against an equal split). A mismatch means the
 * assignment or the logging is broken, and no other figure of the readout can be trusted.
 */

import { chiSquareUpperP } from "./distributions.ts";

/** The p-value below which the check raises an alarm; strict because it runs on every look. */
export const SAMPLE_RATIO_ALPHA = 0.001;

export interface ArmCount {
  readonly arm: string;
  readonly observed: number;
  /** The arm's designed share of the experiment, 0..1. */
  readonly designedShare: number;
  readonly expected: number;
}

export interface SampleRatio {
  readonly arms: readonly ArmCount[];
  readonly chiSquare: number;
  readonly df: number;
  readonly p: number;
  readonly alpha: number;
  /** True when p < alpha: the observed split is unlikely under the designed one. */
  readonly alarm: boolean;
}

/**
 * Checks observed counts against designed weights (any positive numbers; they are normalised).
 *
 * @example
 * sampleRatio([{ arm: "treatment", observed: 9480, weight: 95 }, { arm: "holdout", observed: 520, weight: 5 }])
 * // chiSquare 0.842, p 0.359, alarm false
 */
export function sampleRatio(
  counts: readonly { readonly arm: string; readonly observed: number; readonly weight: number }[],
  alpha = SAMPLE_RATIO_ALPHA,
): SampleRatio {
  const total = counts.reduce((sum, count) => sum + count.observed, 0);
  const weights = counts.reduce((sum, count) => sum + count.weight, 0);
  const arms = counts.map(({ arm, observed, weight }) => ({
    arm,
    observed,
    designedShare: weight / weights,
    expected: (total * weight) / weights,
  }));
  const chiSquare = arms.reduce(
    (sum, { observed, expected }) => sum + (observed - expected) ** 2 / expected,
    0,
  );
  const df = arms.length - 1;
  const p = chiSquareUpperP(chiSquare, df);
  return { arms, chiSquare, df, p, alpha, alarm: p < alpha };
}
