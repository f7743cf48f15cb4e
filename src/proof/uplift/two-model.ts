/**
 * The two-model uplift estimator: one outcome model for the treated customers and one for the
 * control customers; the predicted uplift of a customer is the difference of the two
 * predictions. Three outcomes: visit and conversion (logistic), and spend as a hurdle model
 * (the chance of buying, from the conversion model, times a ridge model of the amount of those
 * who bought).
 *
 * The two models of an outcome are fitted together, on both arms' rows: the control model has
 * weights w, the treated model w + d and its own intercept, and the difference d carries its own
 * L2 penalty. Fitted apart (d penalised like w), each model's noise lands in the difference and
 * the ranking by uplift with it; a penalty on d keeps only the differences the data supports. Its
 * strength is chosen by k-fold cross-validation of the visit models on the training half alone.
 */

import { mixSeed, Random } from "../../simulator/random.ts";
import type { HillstromCustomer, Segment } from "../hillstrom/hillstrom.ts";
import { shuffledIndices } from "../hillstrom/split.ts";
import { designRow } from "./features.ts";
import {
  fitLogistic,
  fitRidge,
  type LinearFit,
  type LogisticFit,
  predictLinear,
  predictProbability,
} from "./outcome-models.ts";

export const OUTCOMES = ["visit", "conversion", "spend"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The outcome models of one arm. */
export interface ArmModels {
  readonly visit: LogisticFit;
  readonly conversion: LogisticFit;
  /** Spend of those who bought (spend > 0). */
  readonly amount: LinearFit;
}

export interface TwoModelUplift {
  readonly treatment: Segment;
  readonly control: Segment;
  readonly treated: ArmModels;
  readonly untreated: ArmModels;
  /** Training customers per arm. */
  readonly counts: { readonly treated: number; readonly control: number };
  /** The penalty on the treated-minus-control weights that cross-validation chose. */
  readonly differenceL2: number;
}

export interface UpliftOptions {
  readonly treatment: Segment;
  readonly control: Segment;
  /** L2 penalty on the standardised weights shared by both arms' models. */
  readonly l2: number;
  /**
   * The candidate penalties on the treated-minus-control weights; cross-validation on the
   * training half picks one (the first of equals). One candidate skips the cross-validation.
   */
  readonly differenceL2: readonly number[];
  /** Folds of the cross-validation, at least 2. */
  readonly folds: number;
}

/** Men's e-mail against no e-mail: shared weights lightly regularised, the difference by CV. */
export const DEFAULT_UPLIFT_OPTIONS: UpliftOptions = {
  treatment: "Mens E-Mail",
  control: "No E-Mail",
  l2: 1,
  differenceL2: [100, 1000, 10000],
  folds: 3,
};

/** Per outcome: the prediction if e-mailed, if not, and the difference (the uplift). */
export type Prediction = Readonly<
  Record<Outcome, { readonly treated: number; readonly control: number; readonly uplift: number }>
>;

/**
 * Fits both arms' outcome models on the training customers of the two segments (others are
 * ignored). Throws when an arm has no customers, or no buyers to fit the amount on.
 * Deterministic: the folds are a seeded shuffle of the training rows.
 *
 * @example
 * const model = trainTwoModel(training, DEFAULT_UPLIFT_OPTIONS);
 * predictUplift(model, designRow(customer)).visit.uplift; // e.g. 0.083
 */
export function trainTwoModel(
  customers: readonly HillstromCustomer[],
  options: UpliftOptions,
): TwoModelUplift {
  const rows = customers.filter(
    (customer) => customer.segment === options.treatment || customer.segment === options.control,
  );
  const treated = rows.map((customer) => customer.segment === options.treatment);
  for (const [arm, inArm] of [
    [options.treatment, true],
    [options.control, false],
  ] as const) {
    if (!rows.some((_, index) => treated[index] === inArm && (rows[index]?.spend ?? 0) > 0)) {
      throw new Error(`the training half has no buyers in ${arm}; cannot fit the spend model`);
    }
  }
  const design = rows.map((customer, index) => jointRow(designRow(customer), treated[index]));
  const differenceL2 = chooseDifferencePenalty(design, rows, options);
  const penalties = jointPenalties(design[0]?.length ?? 0, options.l2, differenceL2);
  const visit = split(fitLogistic(design, rows.map(visited), { l2: penalties }));
  const conversion = split(fitLogistic(design, rows.map(converted), { l2: penalties }));
  const buyers = rows.flatMap((customer, index) => (customer.spend > 0 ? [index] : []));
  const amount = split(
    fitRidge(
      buyers.map((index) => design[index] ?? new Float64Array()),
      buyers.map((index) => rows[index]?.spend ?? 0),
      { l2: penalties },
    ),
  );
  const count = (inArm: boolean) => treated.filter((t) => t === inArm).length;
  return {
    treatment: options.treatment,
    control: options.control,
    treated: { visit: visit.treated, conversion: conversion.treated, amount: amount.treated },
    untreated: { visit: visit.control, conversion: conversion.control, amount: amount.control },
    counts: { treated: count(true), control: count(false) },
    differenceL2,
  };
}

const visited = (customer: HillstromCustomer) => (customer.visit ? 1 : 0);
const converted = (customer: HillstromCustomer) => (customer.conversion ? 1 : 0);

/** [x, t, t·x]: the features, the treatment flag, and the features again for the treated. */
function jointRow(row: Float64Array, treated: boolean | undefined): Float64Array {
  const joint = new Float64Array(row.length * 2 + 1);
  joint.set(row, 0);
  if (treated === true) {
    joint[row.length] = 1;
    joint.set(row, row.length + 1);
  }
  return joint;
}

/** Shared weights get `l2`, the treatment flag none (the arms' intercepts are free), d gets its own. */
function jointPenalties(width: number, l2: number, differenceL2: number): number[] {
  const features = (width - 1) / 2;
  return Array.from({ length: width }, (_, j) =>
    j < features ? l2 : j === features ? 0 : differenceL2,
  );
}

/** The control model (intercept, w) and the treated model (intercept + τ, w + d) of a joint fit. */
function split<T extends LinearFit>(fit: T): { treated: T; control: T } {
  const features = (fit.weights.length - 1) / 2;
  const shared = fit.weights.subarray(0, features);
  const difference = fit.weights.subarray(features + 1);
  const weights = Float64Array.from(shared, (w, j) => w + (difference[j] ?? 0));
  return {
    control: { ...fit, weights: Float64Array.from(shared) },
    treated: { ...fit, intercept: fit.intercept + (fit.weights[features] ?? 0), weights },
  };
}

/**
 * The candidate penalty on d whose visit models predict the held-out folds of the training half
 * best (summed log-likelihood); the first candidate on a tie.
 */
function chooseDifferencePenalty(
  design: readonly Float64Array[],
  rows: readonly HillstromCustomer[],
  options: UpliftOptions,
): number {
  const candidates = options.differenceL2;
  if (candidates.length === 0) throw new RangeError("no candidate penalty for the difference");
  if (candidates.length === 1) return candidates[0] as number;
  const outcomes = rows.map(visited);
  const order = shuffledIndices(rows.length, new Random(mixSeed(rows.length, 0xf01d)));
  const fold = new Uint8Array(rows.length);
  order.forEach((row, position) => {
    fold[row] = position % options.folds;
  });
  let best = candidates[0] as number;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const candidate of candidates) {
    const score = crossValidated(design, outcomes, fold, options, candidate);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** The held-out log-likelihood summed over the folds, for one penalty on d. */
function crossValidated(
  design: readonly Float64Array[],
  outcomes: readonly number[],
  fold: Uint8Array,
  options: UpliftOptions,
  differenceL2: number,
): number {
  const penalties = jointPenalties(design[0]?.length ?? 0, options.l2, differenceL2);
  let total = 0;
  for (let k = 0; k < options.folds; k++) {
    const inside = design.flatMap((_, index) => (fold[index] === k ? [] : [index]));
    const fit = fitLogistic(
      inside.map((index) => design[index] ?? new Float64Array()),
      inside.map((index) => outcomes[index] ?? 0),
      { l2: penalties },
    );
    design.forEach((row, index) => {
      if (fold[index] !== k) return;
      const p = predictProbability(fit, row);
      total += Math.log(outcomes[index] === 1 ? p : 1 - p);
    });
  }
  return total;
}

/** The predictions of both arms' models for one design row. */
export function predictUplift(model: TwoModelUplift, row: Float64Array): Prediction {
  const treated = armPrediction(model.treated, row);
  const control = armPrediction(model.untreated, row);
  const pair = (outcome: Outcome) => ({
    treated: treated[outcome],
    control: control[outcome],
    uplift: treated[outcome] - control[outcome],
  });
  return { visit: pair("visit"), conversion: pair("conversion"), spend: pair("spend") };
}

function armPrediction(models: ArmModels, row: Float64Array): Record<Outcome, number> {
  const conversion = predictProbability(models.conversion, row);
  // A linear amount can dip below 0 for unusual rows; nobody spends a negative amount.
  const amount = Math.max(0, predictLinear(models.amount, row));
  return {
    visit: predictProbability(models.visit, row),
    conversion,
    spend: conversion * amount,
  };
}
