/**
 * CUPED: variance reduction with a pre-period covariate (Deng, Xu, Kohavi and Walker, 2013).
 * Each outcome y becomes y − θ(x − x̄), where x is the subject's pre-period value and x̄ its
 * mean over the compared arms. One θ serves both arms, pooled from within-arm sums,
 *
 *   θ = Σ_arms Σ (x − x̄_arm)(y − ȳ_arm) / Σ_arms Σ (x − x̄_arm)²,
 *
 * so that the treatment's effect on y does not leak into the slope. Randomisation makes x
 * independent of the arm, so the adjusted difference estimates the same effect with less noise.
 */

import { type Difference, welchDifference } from "./contrast.ts";
import { meanOf, summarise } from "./summary.ts";

/** One arm's outcome values and, subject by subject, their covariate values. */
export interface CovariateArm {
  readonly arm: string;
  readonly outcome: ArrayLike<number>;
  readonly covariate: ArrayLike<number>;
}

export interface Cuped {
  readonly covariate: string;
  readonly theta: number;
  /** The difference of adjusted means, with its Welch interval. */
  readonly difference: Difference;
  /** The share of the difference's variance the adjustment removed, 1 − se²_adjusted / se². */
  readonly varianceRemoved: number;
}

/**
 * The CUPED-adjusted difference of `treatment` minus `control`; `plain`, the unadjusted
 * difference, when the caller has it already.
 *
 * @example cuped("history", menSpend, noMailSpend, 0.95).varianceRemoved // 0.0… on Hillstrom
 */
export function cuped(
  covariate: string,
  treatment: CovariateArm,
  control: CovariateArm,
  confidence: number,
  plain: Difference = welchDifference(
    summarise(treatment.arm, treatment.outcome),
    summarise(control.arm, control.outcome),
    confidence,
  ),
): Cuped {
  const theta = pooledTheta([treatment, control]);
  const centre = pooledMean(treatment.covariate, control.covariate);
  const adjustedTreatment = summarise(treatment.arm, adjusted(treatment, theta, centre));
  const adjustedControl = summarise(control.arm, adjusted(control, theta, centre));
  const difference = welchDifference(adjustedTreatment, adjustedControl, confidence);
  const varianceRemoved = plain.se === 0 ? 0 : 1 - difference.se ** 2 / plain.se ** 2;
  return { covariate, theta, difference, varianceRemoved };
}

/** θ from the within-arm cross-products and squares; 0 when the covariate never varies. */
export function pooledTheta(arms: readonly CovariateArm[]): number {
  let cross = 0;
  let squares = 0;
  for (const arm of arms) {
    const xMean = meanOf(arm.covariate);
    const yMean = meanOf(arm.outcome);
    for (let i = 0; i < arm.outcome.length; i += 1) {
      const dx = (arm.covariate[i] ?? 0) - xMean;
      cross += dx * ((arm.outcome[i] ?? 0) - yMean);
      squares += dx * dx;
    }
  }
  return squares === 0 ? 0 : cross / squares;
}

function adjusted(arm: CovariateArm, theta: number, centre: number): Float64Array {
  const out = new Float64Array(arm.outcome.length);
  for (let i = 0; i < out.length; i += 1) {
    out[i] = (arm.outcome[i] ?? 0) - theta * ((arm.covariate[i] ?? 0) - centre);
  }
  return out;
}

function pooledMean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return (meanOf(a) * a.length + meanOf(b) * b.length) / (a.length + b.length);
}
