/**
 * One treatment arm against the control on one metric: the difference with a Welch interval,
 * the relative lift with a delta-method interval, and the significance test the metric's kind
 * calls for.
 */

import { normalCritical, tCritical, twoSidedNormalP, twoSidedTP } from "./distributions.ts";
import { type ArmSummary, meanVariance } from "./summary.ts";

/** `binary` metrics are 0/1 per subject (a visit, a conversion); `continuous` are amounts. */
export type MetricKind = "binary" | "continuous";

/** Which t-test a continuous metric gets: Welch's (unequal variances) or Student's (pooled). */
export type TTest = "welch" | "student";

/** A two-sided confidence interval, `[low, high]`. */
export type Interval = readonly [number, number];

/** Treatment mean minus control mean. */
export interface Difference {
  readonly estimate: number;
  /** Welch standard error, √(s₁²/n₁ + s₀²/n₀). */
  readonly se: number;
  /** Welch–Satterthwaite degrees of freedom, which the interval's t quantile uses. */
  readonly df: number;
  readonly interval: Interval;
}

/**
 * Relative lift, treatment mean / control mean − 1. The interval is the delta method's: the
 * variance of the ratio of two independent means is s₁²/(n₁m₀²) + m₁²s₀²/(n₀m₀⁴), so the
 * control mean's uncertainty widens it as much as the treatment's. Null when the control mean is
 * zero (no lift is defined).
 */
export interface Lift {
  readonly estimate: number;
  readonly se: number;
  readonly interval: Interval;
  readonly method: "delta";
}

export interface TestResult {
  readonly kind: "two-proportion-z" | "welch-t" | "student-t";
  readonly statistic: number;
  /** Degrees of freedom of a t-test; absent for the z-test. */
  readonly df?: number;
  /** Two-sided. */
  readonly p: number;
}

export interface Contrast {
  readonly treatment: string;
  readonly control: string;
  readonly difference: Difference;
  readonly lift: Lift | null;
  readonly test: TestResult;
}

export interface ContrastOptions {
  readonly kind: MetricKind;
  /** 0.95 for 95% intervals. */
  readonly confidence: number;
  readonly tTest: TTest;
}

/**
 * The treatment arm against the control arm.
 *
 * @example contrast(menSpend, noMailSpend, { kind: "continuous", confidence: 0.95, tTest: "welch" })
 */
export function contrast(
  treatment: ArmSummary,
  control: ArmSummary,
  options: ContrastOptions,
): Contrast {
  return {
    treatment: treatment.arm,
    control: control.arm,
    difference: welchDifference(treatment, control, options.confidence),
    lift: relativeLift(treatment, control, options.confidence),
    test:
      options.kind === "binary"
        ? twoProportionZ(treatment, control)
        : tTest(treatment, control, options.tTest),
  };
}

/**
 * The difference of means with a Welch interval: estimate ± t(df) · √(s₁²/n₁ + s₀²/n₀), df by
 * Welch–Satterthwaite. With tens of thousands per arm t(df) is the normal 1.959964.
 *
 * @example welchDifference(a, b, 0.95).interval // [0.485149, 1.054505] for Hillstrom spend
 */
export function welchDifference(
  treatment: ArmSummary,
  control: ArmSummary,
  confidence: number,
): Difference {
  const estimate = treatment.mean - control.mean;
  const v1 = meanVariance(treatment);
  const v0 = meanVariance(control);
  const se = Math.sqrt(v1 + v0);
  const df = welchDf(treatment, control);
  const half = se === 0 ? 0 : tCritical(confidence, df) * se;
  return { estimate, se, df, interval: [estimate - half, estimate + half] };
}

/** Welch–Satterthwaite degrees of freedom; the pooled n₁ + n₀ − 2 when both variances are 0. */
function welchDf(treatment: ArmSummary, control: ArmSummary): number {
  const v1 = meanVariance(treatment);
  const v0 = meanVariance(control);
  const denominator = (v1 * v1) / (treatment.n - 1) + (v0 * v0) / (control.n - 1);
  if (denominator === 0) return treatment.n + control.n - 2;
  return ((v1 + v0) * (v1 + v0)) / denominator;
}

/**
 * The relative lift and its delta-method interval (normal quantile: the method is asymptotic).
 *
 * @example relativeLift(men, noMail, 0.95)?.estimate // 1.1793 for Hillstrom spend
 */
export function relativeLift(
  treatment: ArmSummary,
  control: ArmSummary,
  confidence: number,
): Lift | null {
  const m1 = treatment.mean;
  const m0 = control.mean;
  if (m0 === 0) return null;
  const variance =
    meanVariance(treatment) / (m0 * m0) + (m1 * m1 * meanVariance(control)) / m0 ** 4;
  const se = Math.sqrt(variance);
  const estimate = m1 / m0 - 1;
  const half = normalCritical(confidence) * se;
  return { estimate, se, interval: [estimate - half, estimate + half], method: "delta" };
}

/**
 * The two-proportion z-test with the pooled proportion under the null hypothesis:
 * z = (p₁ − p₀) / √(p(1 − p)(1/n₁ + 1/n₀)).
 */
export function twoProportionZ(treatment: ArmSummary, control: ArmSummary): TestResult {
  const pooled =
    (treatment.mean * treatment.n + control.mean * control.n) / (treatment.n + control.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n));
  const statistic = ratio(treatment.mean - control.mean, se);
  return { kind: "two-proportion-z", statistic, p: twoSidedNormalP(statistic) };
}

/** Welch's or Student's (pooled-variance) two-sample t-test. */
export function tTest(treatment: ArmSummary, control: ArmSummary, which: TTest): TestResult {
  const estimate = treatment.mean - control.mean;
  if (which === "welch") {
    const se = Math.sqrt(meanVariance(treatment) + meanVariance(control));
    const df = welchDf(treatment, control);
    const statistic = ratio(estimate, se);
    return { kind: "welch-t", statistic, df, p: twoSidedTP(statistic, df) };
  }
  const df = treatment.n + control.n - 2;
  const pooledVariance =
    ((treatment.n - 1) * treatment.sd ** 2 + (control.n - 1) * control.sd ** 2) / df;
  const se = Math.sqrt(pooledVariance * (1 / treatment.n + 1 / control.n));
  const statistic = ratio(estimate, se);
  return { kind: "student-t", statistic, df, p: twoSidedTP(statistic, df) };
}

/** A statistic with a zero standard error: 0 when nothing differs, else ±infinity. */
function ratio(estimate: number, se: number): number {
  if (se > 0) return estimate / se;
  if (estimate === 0) return 0;
  return estimate > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
