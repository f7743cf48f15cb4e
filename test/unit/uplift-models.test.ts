import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { HillstromCustomer } from "../../src/proof/hillstrom/hillstrom.ts";
import { loadHillstrom } from "../../src/proof/hillstrom/hillstrom.ts";
import { designRow, FEATURES } from "../../src/proof/uplift/features.ts";
import { solveSymmetric } from "../../src/proof/uplift/linear-algebra.ts";
import {
  fitLogistic,
  fitRidge,
  predictLinear,
  predictProbability,
} from "../../src/proof/uplift/outcome-models.ts";
import { trainTwoModel } from "../../src/proof/uplift/two-model.ts";
import { sharedDataFile } from "../support/shared-data.ts";

const logit = (p: number) => Math.log(p / (1 - p));
const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

describe("the outcome models", () => {
  test("Cholesky solves a symmetric system (hand calculation)", () => {
    // 4x + 2y = 2, 2x + 3y = 1  →  x = 0.5, y = 0
    const [x, y] = solveSymmetric(
      [
        [4, 2],
        [2, 3],
      ],
      [2, 1],
    );
    close(x ?? Number.NaN, 0.5, 1e-12, "x");
    close(y ?? Number.NaN, 0, 1e-12, "y");
  });

  test("unpenalised logistic on one binary feature gives the two groups' log odds", () => {
    // x = 0: 3 of 10 visit; x = 1: 6 of 8 visit. MLE: intercept = logit(0.3), slope =
    // logit(0.75) − logit(0.3).
    const rows = [...Array(10).fill(0), ...Array(8).fill(1)].map((x) => Float64Array.of(x));
    const y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    const fit = fitLogistic(rows, y, { l2: 1e-10 });
    close(fit.intercept, logit(0.3), 1e-7, "intercept");
    close(fit.weights[0] ?? Number.NaN, logit(0.75) - logit(0.3), 1e-7, "slope");
    close(predictProbability(fit, Float64Array.of(1)), 0.75, 1e-8, "p(x = 1)");
  });

  test("a penalty shrinks the slope towards 0 and the fit still satisfies its own optimality", () => {
    const customers = loadHillstrom(sharedDataFile("hillstrom.csv")).slice(0, 5000);
    const rows = customers.map(designRow);
    const y = customers.map((c) => (c.visit ? 1 : 0));
    const light = fitLogistic(rows, y, { l2: 1 });
    const heavy = fitLogistic(rows, y, { l2: 5000 });
    const norm = (w: Float64Array) => Math.hypot(...w);
    assert.ok(norm(heavy.weights) < norm(light.weights));

    // Unpenalised intercept: the score equation Σ (y − p) = 0 holds at the optimum.
    const residual = rows.reduce(
      (sum, row, i) => sum + (y[i] ?? 0) - predictProbability(light, row),
      0,
    );
    close(residual, 0, 1e-6, "Σ (y − p)");
    assert.equal(light.weights.length, FEATURES.length);
  });

  test("ridge recovers an exact line and shrinks as the closed form says", () => {
    const rows = [0, 1, 2, 3].map((x) => Float64Array.of(x));
    const exact = fitRidge(rows, [1, 3, 5, 7], { l2: 1e-10 });
    close(predictLinear(exact, Float64Array.of(10)), 21, 1e-6, "y(10)");
    // Standardised x has Σz² = n = 4; the standardised slope is Σzy / (Σz² + λ). With λ = 4
    // it halves: raw slope 2 → 1, intercept through the means (1.5, 4): 4 − 1.5 = 2.5.
    const shrunk = fitRidge(rows, [1, 3, 5, 7], { l2: 4 });
    close(shrunk.weights[0] ?? Number.NaN, 1, 1e-9, "slope");
    close(shrunk.intercept, 2.5, 1e-9, "intercept");
  });
});

/**
 * Customers who differ only in the men's flag: per arm and flag, `visits` of `n` visit, and the
 * first of each group bought (the spend model needs buyers in both arms).
 */
function group(segment: HillstromCustomer["segment"], mens: boolean, visits: number, n: number) {
  return Array.from(
    { length: n },
    (_, index): HillstromCustomer => ({
      row: 0,
      recency: 6,
      history: 100,
      mens,
      womens: false,
      zipCode: "Urban",
      newbie: false,
      channel: "Web",
      segment,
      visit: index < visits,
      conversion: index === 0,
      spend: index === 0 ? 50 + visits : 0,
    }),
  );
}

describe("the jointly fitted two-model estimator", () => {
  // Control: 2 of 10 visit without the men's flag, 5 of 10 with it; treated: 4 of 10 and 8 of 10.
  const customers = [
    ...group("No E-Mail", false, 2, 10),
    ...group("No E-Mail", true, 5, 10),
    ...group("Mens E-Mail", false, 4, 10),
    ...group("Mens E-Mail", true, 8, 10),
    ...group("Womens E-Mail", true, 10, 10),
  ];
  const options = { treatment: "Mens E-Mail", control: "No E-Mail", folds: 2 } as const;
  const mensRow = (mens: number) =>
    designRow({ ...customers[0], mens: mens === 1 } as HillstromCustomer);
  const mensWeight = FEATURES.findIndex((feature) => feature.key === "retail.mens");

  test("with barely any penalty each arm's model gives its own groups' visit rates", () => {
    const model = trainTwoModel(customers, { ...options, l2: 1e-9, differenceL2: [1e-9] });
    close(predictProbability(model.untreated.visit, mensRow(0)), 0.2, 1e-6, "control, no flag");
    close(predictProbability(model.untreated.visit, mensRow(1)), 0.5, 1e-6, "control, flag");
    close(predictProbability(model.treated.visit, mensRow(0)), 0.4, 1e-6, "treated, no flag");
    close(predictProbability(model.treated.visit, mensRow(1)), 0.8, 1e-6, "treated, flag");
    assert.deepEqual(model.counts, { treated: 20, control: 20 });
  });

  test("a large penalty on the difference leaves the arms one slope and their own intercepts", () => {
    const model = trainTwoModel(customers, { ...options, l2: 1e-9, differenceL2: [1e9] });
    const treated = model.treated.visit.weights[mensWeight] ?? Number.NaN;
    const control = model.untreated.visit.weights[mensWeight] ?? Number.NaN;
    close(treated - control, 0, 1e-6, "difference of the slopes");
    // The common slope lies between the arms' own log odds ratios (1.386 and 1.792).
    assert.ok(treated > logit(0.5) - logit(0.2) && treated < logit(0.8) - logit(0.4));
    // The arms' intercepts still differ: the e-mail adds visits everywhere.
    assert.ok(model.treated.visit.intercept > model.untreated.visit.intercept);
    assert.equal(model.differenceL2, 1e9);
  });

  test("cross-validation picks one of the candidates, the same one every run", () => {
    const cv = { ...options, l2: 1, differenceL2: [1, 100, 10000] };
    const first = trainTwoModel(customers, cv);
    assert.ok(cv.differenceL2.includes(first.differenceL2));
    assert.equal(trainTwoModel(customers, cv).differenceL2, first.differenceL2);
    assert.throws(() => trainTwoModel(customers, { ...cv, differenceL2: [] }), /no candidate/);
  });
});
