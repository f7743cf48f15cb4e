/**
 * The distributions a readout needs, from jstat. The t-test's tail comes from the incomplete
 * beta function directly, so its p-values far below 1e-16 keep their digits. jstat's `erfc` and
 * `lowRegGamma` are computed as one minus the other tail, so normal and chi-square p-values are
 * accurate to about 1e-16 absolute: a z of 8.4 or more gives 0 (reports print `< 1e-12`).
 */

import jStat from "jstat";

/**
 * The two-sided p-value of a standard normal statistic.
 *
 * @example twoSidedNormalP(1.959964) // 0.05
 */
export function twoSidedNormalP(z: number): number {
  return jStat.erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * The two-sided p-value of a Student t statistic with `df` degrees of freedom:
 * P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2).
 *
 * @example twoSidedTP(2.228, 10) // ≈ 0.05
 */
export function twoSidedTP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return jStat.ibeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The upper tail P(X > x) of a chi-square with `df` degrees of freedom.
 *
 * @example chiSquareUpperP(0.202531, 2) // ≈ 0.903693
 */
export function chiSquareUpperP(x: number, df: number): number {
  if (x <= 0) return 1;
  return 1 - jStat.lowRegGamma(df / 2, x / 2);
}

/**
 * The two-sided critical value of a standard normal: 1.959964 for 95%.
 *
 * @example normalCritical(0.95) // 1.959963984540054
 */
export function normalCritical(confidence: number): number {
  return jStat.normal.inv(0.5 + confidence / 2, 0, 1);
}

/**
 * The two-sided critical value of a Student t with `df` degrees of freedom; the normal one
 * when `df` is infinite.
 *
 * @example tCritical(0.95, 10) // 2.228138851986274
 */
export function tCritical(confidence: number, df: number): number {
  if (!Number.isFinite(df)) return normalCritical(confidence);
  return jStat.studentt.inv(0.5 + confidence / 2, df);
}
