/**
 * Per-arm summaries: count, mean and sample standard deviation (n − 1 in the denominator), in
 * two passes over the values so that large means do not cancel the variance's digits.
 */

/** What a readout knows about one arm's values of one metric. */
export interface ArmSummary {
  readonly arm: string;
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  readonly sd: number;
}

/**
 * The summary of one arm's values.
 *
 * @example summarise("control", [1, 2, 3, 4]) // { arm: "control", n: 4, mean: 2.5, sd: 1.29… }
 */
export function summarise(arm: string, values: ArrayLike<number>): ArmSummary {
  const n = values.length;
  const mean = meanOf(values);
  let squares = 0;
  for (let i = 0; i < n; i += 1) {
    const deviation = (values[i] ?? 0) - mean;
    squares += deviation * deviation;
  }
  const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  return { arm, n, mean, sd };
}

/** The arithmetic mean; NaN for no values. */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i] ?? 0;
  return sum / values.length;
}

/** The squared standard error of an arm's mean, s² / n. */
export function meanVariance(summary: ArmSummary): number {
  return (summary.sd * summary.sd) / summary.n;
}
