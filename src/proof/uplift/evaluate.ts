/**
 * Judging an uplift model on the held-out half of a randomised experiment: the incremental
 * outcome per e-mailed customer when mailing the top share by predicted uplift, by propensity,
 * or at random, and the Qini curve.
 *
 * Incremental outcome of a slice = mean outcome of its treated customers − mean outcome of its
 * control customers. Randomisation makes the two comparable within any slice chosen from
 * pre-period features, so the difference estimates what mailing that slice would add.
 */

import jStat from "jstat";
import { mixSeed, Random } from "../../simulator/random.ts";
import type { HillstromCustomer } from "../hillstrom/hillstrom.ts";
import { shuffledIndices } from "../hillstrom/split.ts";
import { designRow } from "./features.ts";
import { type Outcome, type Prediction, predictUplift, type TwoModelUplift } from "./two-model.ts";

/** How customers are ranked for mailing. */
export const STRATEGIES = ["uplift", "propensity", "random"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** A held-out customer of the two compared segments, with the model's predictions. */
export interface ScoredCustomer {
  readonly row: number;
  readonly treated: boolean;
  readonly outcome: Readonly<Record<Outcome, number>>;
  readonly prediction: Prediction;
}

/** What mailing one slice would add: treated mean − control mean, with a 95% interval. */
export interface SliceEstimate {
  readonly customers: number;
  readonly treated: number;
  readonly control: number;
  readonly treatedMean: number;
  readonly controlMean: number;
  readonly incremental: number;
  /** Welch's 95% interval (normal quantile) for the incremental outcome. */
  readonly low: number;
  readonly high: number;
}

export interface TargetingRow extends SliceEstimate {
  readonly outcome: Outcome;
  readonly strategy: Strategy;
  /** Share of held-out customers mailed, 0..1. */
  readonly fraction: number;
}

/**
 * The Qini curve: for the top `fraction` of customers by score, the cumulative incremental
 * outcome `incremental` = k · (treated mean − control mean) among those k customers — the extra
 * visits (conversions, spend) had all k been e-mailed. 101 points, every 1%.
 */
export interface QiniCurve {
  readonly points: ReadonlyArray<{ fraction: number; incremental: number }>;
  /**
   * Area between the curve and the straight line of random targeting, with the fraction on x
   * and the incremental outcome per held-out customer on y (trapezoids over every customer).
   * Above 0: the ranking finds the responsive customers earlier than chance.
   */
  readonly coefficient: number;
}

/** The model's predictions for the held-out customers of the two segments it compares. */
export function scoreCustomers(
  model: TwoModelUplift,
  customers: readonly HillstromCustomer[],
): ScoredCustomer[] {
  return customers
    .filter((c) => c.segment === model.treatment || c.segment === model.control)
    .map((c) => ({
      row: c.row,
      treated: c.segment === model.treatment,
      outcome: { visit: c.visit ? 1 : 0, conversion: c.conversion ? 1 : 0, spend: c.spend },
      prediction: predictUplift(model, designRow(c)),
    }));
}

/**
 * Customers in mailing order for a strategy and outcome: highest predicted uplift (or
 * predicted outcome if e-mailed, for propensity) first, ties in input order; random is a
 * seeded shuffle, the same for every outcome.
 */
export function rank(
  scored: readonly ScoredCustomer[],
  strategy: Strategy,
  outcome: Outcome,
  seed: number,
): ScoredCustomer[] {
  if (strategy === "random") {
    const order = shuffledIndices(scored.length, new Random(mixSeed(seed, 0x7a4d)));
    return Array.from(order, (index) => scored[index]).filter((c) => c !== undefined);
  }
  const score = (c: ScoredCustomer) =>
    strategy === "uplift" ? c.prediction[outcome].uplift : c.prediction[outcome].treated;
  return [...scored].sort((a, b) => score(b) - score(a));
}

/** Treated mean − control mean of `outcome` in a slice, with Welch's 95% interval. */
export function estimateSlice(slice: readonly ScoredCustomer[], outcome: Outcome): SliceEstimate {
  const treated = moments(slice, outcome, true);
  const control = moments(slice, outcome, false);
  const incremental = treated.mean - control.mean;
  const se = Math.sqrt(treated.variance / treated.n + control.variance / control.n);
  const z = jStat.normal.inv(0.975, 0, 1);
  return {
    customers: slice.length,
    treated: treated.n,
    control: control.n,
    treatedMean: treated.mean,
    controlMean: control.mean,
    incremental,
    low: incremental - z * se,
    high: incremental + z * se,
  };
}

function moments(slice: readonly ScoredCustomer[], outcome: Outcome, treated: boolean) {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (const c of slice) {
    if (c.treated !== treated) continue;
    const y = c.outcome[outcome];
    n += 1;
    sum += y;
    squares += y * y;
  }
  const mean = n === 0 ? Number.NaN : sum / n;
  const variance = n < 2 ? Number.NaN : (squares - n * mean * mean) / (n - 1);
  return { n, mean, variance };
}

/** The top `fraction` of a ranking, rounded to the nearest customer. */
export function topShare<T>(ranked: readonly T[], fraction: number): readonly T[] {
  return ranked.slice(0, Math.round(ranked.length * fraction));
}

/** Every outcome × strategy × fraction, in that order. */
export function targetingTable(
  scored: readonly ScoredCustomer[],
  fractions: readonly number[],
  outcomes: readonly Outcome[],
  seed: number,
): TargetingRow[] {
  return outcomes.flatMap((outcome) =>
    (["uplift", "propensity", "random"] as const).flatMap((strategy) => {
      const ranked = rank(scored, strategy, outcome, seed);
      return fractions.map((fraction) => ({
        outcome,
        strategy,
        fraction,
        ...estimateSlice(topShare(ranked, fraction), outcome),
      }));
    }),
  );
}

/** The Qini curve of a ranking for one outcome. */
export function qiniCurve(ranked: readonly ScoredCustomer[], outcome: Outcome): QiniCurve {
  const n = ranked.length;
  const curve = cumulativeIncremental(ranked, outcome);
  const total = curve[n] ?? 0;
  let area = 0;
  for (let k = 1; k <= n; k++) {
    const trapezoid = ((curve[k - 1] ?? 0) + (curve[k] ?? 0)) / 2;
    area += trapezoid - ((k - 0.5) / n) * total;
  }
  const points = Array.from({ length: 101 }, (_, percent) => ({
    fraction: percent / 100,
    incremental: curve[Math.round((n * percent) / 100)] ?? 0,
  }));
  return { points, coefficient: n === 0 ? 0 : area / n / n };
}

/** k · (treated mean − control mean) over the first k customers, for k = 0 … n. */
function cumulativeIncremental(ranked: readonly ScoredCustomer[], outcome: Outcome) {
  const curve = new Float64Array(ranked.length + 1);
  let treated = 0;
  let control = 0;
  let treatedSum = 0;
  let controlSum = 0;
  ranked.forEach((c, index) => {
    if (c.treated) {
      treated += 1;
      treatedSum += c.outcome[outcome];
    } else {
      control += 1;
      controlSum += c.outcome[outcome];
    }
    const both = treated > 0 && control > 0;
    curve[index + 1] = both ? (index + 1) * (treatedSum / treated - controlSum / control) : 0;
  });
  return curve;
}
