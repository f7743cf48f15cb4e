/**
 * The two-model uplift estimator: one outcome model fitted on the treated customers and one
 * on the control customers; the predicted uplift of a customer is the difference of the two
 * predictions. Three outcomes: visit and conversion (logistic), and spend as a hurdle model
 * (the chance of buying, from the conversion model, times a ridge model of the amount of those
 * who bought).
 */

import type { HillstromCustomer, Segment } from "../hillstrom/hillstrom.ts";
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
}

export interface UpliftOptions {
  readonly treatment: Segment;
  readonly control: Segment;
  /** L2 penalty on standardised weights of every outcome model. */
  readonly l2: number;
}

/** Men's e-mail against no e-mail, lightly regularised. */
export const DEFAULT_UPLIFT_OPTIONS: UpliftOptions = {
  treatment: "Mens E-Mail",
  control: "No E-Mail",
  l2: 1,
};

/** Per outcome: the prediction if e-mailed, if not, and the difference (the uplift). */
export type Prediction = Readonly<
  Record<Outcome, { readonly treated: number; readonly control: number; readonly uplift: number }>
>;

/**
 * Fits both arms' outcome models on the training customers of the two segments (others are
 * ignored). Throws when an arm has no customers or no buyers to fit the amount on.
 *
 * @example
 * const model = trainTwoModel(training, DEFAULT_UPLIFT_OPTIONS);
 * predictUplift(model, designRow(customer)).visit.uplift; // e.g. 0.083
 */
export function trainTwoModel(
  customers: readonly HillstromCustomer[],
  options: UpliftOptions,
): TwoModelUplift {
  const treated = customers.filter((customer) => customer.segment === options.treatment);
  const control = customers.filter((customer) => customer.segment === options.control);
  return {
    treatment: options.treatment,
    control: options.control,
    treated: fitArm(treated, options.treatment, options.l2),
    untreated: fitArm(control, options.control, options.l2),
    counts: { treated: treated.length, control: control.length },
  };
}

function fitArm(customers: readonly HillstromCustomer[], arm: Segment, l2: number): ArmModels {
  const buyers = customers.filter((customer) => customer.spend > 0);
  if (buyers.length === 0) {
    throw new Error(`the training half has no buyers in ${arm}; cannot fit the spend model`);
  }
  const rows = customers.map(designRow);
  return {
    visit: fitLogistic(
      rows,
      customers.map((c) => (c.visit ? 1 : 0)),
      { l2 },
    ),
    conversion: fitLogistic(
      rows,
      customers.map((c) => (c.conversion ? 1 : 0)),
      { l2 },
    ),
    amount: fitRidge(
      buyers.map(designRow),
      buyers.map((c) => c.spend),
      { l2 },
    ),
  };
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
