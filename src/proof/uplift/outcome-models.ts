/**
 * Outcome models fitted in-house (a dozen parameters, tens of thousands of rows): L2-regularised
 * logistic regression by Newton's method for a binary outcome, and ridge regression for an
 * amount. Both fit on standardised features and return coefficients on the raw scale, so the
 * engine can score them on bundle values as they are.
 */

import { type Matrix, solveSymmetric, zeros } from "./linear-algebra.ts";

/** A fitted linear predictor on raw feature values: intercept + Σ weight·x. */
export interface LinearFit {
  readonly intercept: number;
  readonly weights: Float64Array;
}

export interface LogisticFit extends LinearFit {
  readonly iterations: number;
}

export interface FitOptions {
  /**
   * The L2 penalty on the standardised weights (not on the intercept); above 0. One number for
   * every weight, or one per feature (in row order).
   */
  readonly l2: number | readonly number[];
}

const MAX_ITERATIONS = 50;
const TOLERANCE = 1e-9;

/**
 * Fits p(y = 1 | x) = sigmoid(intercept + w·x), minimising the negative log-likelihood plus
 * l2/2 · |w_standardised|². Deterministic: the same rows give the same fit, to the last bit.
 *
 * @example
 * const fit = fitLogistic([Float64Array.of(0), Float64Array.of(1)], [0, 1], { l2: 1 });
 * predictProbability(fit, Float64Array.of(1)) > 0.5; // true
 */
export function fitLogistic(
  rows: readonly Float64Array[],
  outcomes: ArrayLike<number>,
  options: FitOptions,
): LogisticFit {
  // Scaled, not centred: with the intercept unpenalised, centring moves only the intercept and
  // leaves the fit the same, and uncentred 0/1 columns stay 0 — rows are summed faster.
  const { sd } = standardise(rows);
  const scale = { mean: new Float64Array(sd.length), sd };
  const design = standardDesign(rows, scale);
  const width = scale.mean.length + 1;
  let beta = new Array<number>(width).fill(0);
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const { gradient, hessian } = newtonTerms(design, width, outcomes, beta, options.l2);
    const step = solveSymmetric(hessian, gradient);
    beta = beta.map((value, index) => value + (step[index] ?? 0));
    if (Math.max(...step.map(Math.abs)) < TOLERANCE) break;
  }
  return { ...toRawScale(beta, scale), iterations: iterations + 1 };
}

/**
 * Fits y = intercept + w·x by least squares plus l2/2 · |w_standardised|² (ridge).
 *
 * @example
 * const fit = fitRidge([0, 1, 2].map((x) => Float64Array.of(x)), [1, 3, 5], { l2: 1e-9 });
 * predictLinear(fit, Float64Array.of(3)); // ≈ 7
 */
export function fitRidge(
  rows: readonly Float64Array[],
  outcomes: ArrayLike<number>,
  options: FitOptions,
): LinearFit {
  const scale = standardise(rows);
  const width = scale.mean.length + 1;
  const normal = zeros(width);
  const right = new Array<number>(width).fill(0);
  const z = new Float64Array(width);
  rows.forEach((row, index) => {
    standardRow(row, scale, z);
    accumulate(normal, z, 1);
    const y = outcomes[index] ?? 0;
    for (let j = 0; j < width; j++) right[j] = (right[j] ?? 0) + (z[j] ?? 0) * y;
  });
  penalise(normal, options.l2);
  return toRawScale(solveSymmetric(normal, right), scale);
}

/** intercept + w·x. */
export function predictLinear(fit: LinearFit, row: Float64Array): number {
  let sum = fit.intercept;
  for (let j = 0; j < fit.weights.length; j++) sum += (fit.weights[j] ?? 0) * (row[j] ?? 0);
  return sum;
}

/** sigmoid(intercept + w·x). */
export function predictProbability(fit: LinearFit, row: Float64Array): number {
  return 1 / (1 + Math.exp(-predictLinear(fit, row)));
}

interface Scale {
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

function standardise(rows: readonly Float64Array[]): Scale {
  const width = rows[0]?.length ?? 0;
  const mean = new Float64Array(width);
  const sd = new Float64Array(width);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0);
  for (let j = 0; j < width; j++) mean[j] = (mean[j] ?? 0) / Math.max(1, rows.length);
  for (const row of rows) {
    for (let j = 0; j < width; j++) sd[j] = (sd[j] ?? 0) + ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2;
  }
  // A constant column (every row the same) keeps scale 1: its weight is then shrunk to 0.
  for (let j = 0; j < width; j++) sd[j] = Math.sqrt((sd[j] ?? 0) / Math.max(1, rows.length)) || 1;
  return { mean, sd };
}

/** [1, (x − mean) / sd] into `out`. */
function standardRow(row: Float64Array, scale: Scale, out: Float64Array): void {
  out[0] = 1;
  for (let j = 0; j < scale.mean.length; j++) {
    out[j + 1] = ((row[j] ?? 0) - (scale.mean[j] ?? 0)) / (scale.sd[j] ?? 1);
  }
}

/** Every row as [1, (x − mean) / sd], one after another. */
function standardDesign(rows: readonly Float64Array[], scale: Scale): Float64Array {
  const width = scale.mean.length + 1;
  const design = new Float64Array(rows.length * width);
  const z = new Float64Array(width);
  rows.forEach((row, index) => {
    standardRow(row, scale, z);
    design.set(z, index * width);
  });
  return design;
}

/** The penalised log-likelihood's gradient and negative Hessian (lower triangle) at beta. */
function newtonTerms(
  design: Float64Array,
  width: number,
  outcomes: ArrayLike<number>,
  beta: readonly number[],
  l2: FitOptions["l2"],
): { gradient: number[]; hessian: Matrix } {
  const b = Float64Array.from(beta);
  const gradient = new Float64Array(width);
  // The lower triangle, flat: entry (i, j ≤ i) at i·width + j.
  const packed = new Float64Array(width * width);
  const z = new Float64Array(width);
  // The row's non-zero columns: many joint-model columns are 0 and add nothing.
  const nonZero = new Int32Array(width);
  const n = design.length / width;
  for (let r = 0; r < n; r++) {
    const base = r * width;
    let eta = 0;
    let count = 0;
    for (let j = 0; j < width; j++) {
      const zj = design[base + j] as number;
      z[j] = zj;
      if (zj === 0) continue;
      eta += (b[j] as number) * zj;
      nonZero[count++] = j;
    }
    const p = 1 / (1 + Math.exp(-eta));
    const residual = (outcomes[r] ?? 0) - p;
    const weight = p * (1 - p);
    for (let a = 0; a < count; a++) {
      const i = nonZero[a] as number;
      const zi = z[i] as number;
      gradient[i] = (gradient[i] as number) + residual * zi;
      const wzi = weight * zi;
      const start = i * width;
      for (let c = 0; c <= a; c++) {
        const j = nonZero[c] as number;
        packed[start + j] = (packed[start + j] as number) + wzi * (z[j] as number);
      }
    }
  }
  const hessian = zeros(width);
  for (let i = 0; i < width; i++) {
    const row = hessian[i] ?? [];
    for (let j = 0; j <= i; j++) row[j] = packed[i * width + j] ?? 0;
  }
  penalise(hessian, l2);
  const g = Array.from(gradient);
  for (let j = 1; j < width; j++) g[j] = (g[j] ?? 0) - penaltyOf(l2, j) * (beta[j] ?? 0);
  return { gradient: g, hessian };
}

/** Adds weight · z zᵀ to the lower triangle of `matrix`. */
function accumulate(matrix: Matrix, z: Float64Array, weight: number): void {
  for (let i = 0; i < z.length; i++) {
    const row = matrix[i];
    if (row === undefined) continue;
    const zi = (z[i] ?? 0) * weight;
    for (let j = 0; j <= i; j++) row[j] = (row[j] ?? 0) + zi * (z[j] ?? 0);
  }
}

/** Adds each weight's penalty to the diagonal, except the intercept's. */
function penalise(matrix: Matrix, l2: FitOptions["l2"]): void {
  for (let j = 1; j < matrix.length; j++) {
    const row = matrix[j];
    if (row !== undefined) row[j] = (row[j] ?? 0) + penaltyOf(l2, j);
  }
}

/** The penalty of design column j (1 for the first feature; 0 is the intercept). */
function penaltyOf(l2: FitOptions["l2"], j: number): number {
  return typeof l2 === "number" ? l2 : (l2[j - 1] ?? 0);
}

function toRawScale(beta: readonly number[], scale: Scale): LinearFit {
  const weights = new Float64Array(scale.mean.length);
  let intercept = beta[0] ?? 0;
  for (let j = 0; j < weights.length; j++) {
    const weight = (beta[j + 1] ?? 0) / (scale.sd[j] ?? 1);
    weights[j] = weight;
    intercept -= weight * (scale.mean[j] ?? 0);
  }
  return { intercept, weights };
}
