/**
 * The readout's statistics on small cases worked by hand (quantiles and tail probabilities
 * from scipy 1.17: t.ppf, t.sf, norm.sf, chi2.sf), and the sample-ratio check against the
 * designed allocation.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  relativeLift,
  tTest,
  twoProportionZ,
  welchDifference,
} from "../../../src/proof/readout/contrast.ts";
import { cuped, pooledTheta } from "../../../src/proof/readout/cuped.ts";
import { readout } from "../../../src/proof/readout/readout.ts";
import { sampleRatio } from "../../../src/proof/readout/sample-ratio.ts";
import { summarise } from "../../../src/proof/readout/summary.ts";
import { propertyRuns } from "../../support/property-runs.ts";

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

// treatment mean 5, variance 20/3; control mean 2, variance 1.
const treatment = summarise("treatment", [2, 4, 6, 8]);
const control = summarise("control", [1, 2, 3]);

describe("arm summaries", () => {
  test("mean and sample standard deviation with n − 1", () => {
    const summary = summarise("a", [1, 2, 3, 4]);
    assert.equal(summary.n, 4);
    close(summary.mean, 2.5);
    close(summary.sd, Math.sqrt(5 / 3));
  });
});

describe("the difference and its Welch interval", () => {
  test("se √(s₁²/n₁ + s₀²/n₀) = √2 and Welch–Satterthwaite df 4.0755", () => {
    const difference = welchDifference(treatment, control, 0.95);
    close(difference.estimate, 3);
    close(difference.se, Math.SQRT2);
    // df = (5/3 + 1/3)² / ((5/3)²/3 + (1/3)²/2) = 4 / (25/27 + 1/18)
    close(difference.df, 4 / (25 / 27 + 1 / 18));
    // t.ppf(0.975, 4.0754716981) = 2.7562848743595714
    close(difference.interval[0], 3 - 2.7562848743595714 * Math.SQRT2, 1e-7);
    close(difference.interval[1], 3 + 2.7562848743595714 * Math.SQRT2, 1e-7);
  });
});

describe("relative lift with the delta method", () => {
  test("the control mean's uncertainty widens the interval", () => {
    const lift = relativeLift(treatment, control, 0.95);
    assert.ok(lift);
    close(lift.estimate, 1.5);
    // var = (s₁²/n₁)/m₀² + m₁²(s₀²/n₀)/m₀⁴ = (5/3)/4 + 25(1/3)/16 = 0.9375
    close(lift.se, Math.sqrt(0.9375));
    close(lift.interval[0], 1.5 - 1.959963984540054 * Math.sqrt(0.9375), 1e-9);
    close(lift.interval[1], 1.5 + 1.959963984540054 * Math.sqrt(0.9375), 1e-9);
    // Ignoring the control's variance would give (5/3)/4 alone: a narrower interval.
    assert.ok(lift.se > Math.sqrt(5 / 3 / 4));
  });

  test("no lift is defined against a control mean of zero", () => {
    assert.equal(relativeLift(treatment, summarise("zero", [0, 0, 0]), 0.95), null);
  });
});

describe("significance tests", () => {
  test("Student's pooled t: sp² = 4.4, t 1.872563, df 5, p 0.120018", () => {
    const result = tTest(treatment, control, "student");
    assert.equal(result.kind, "student-t");
    assert.equal(result.df, 5);
    close(result.statistic, 3 / Math.sqrt((4.4 * 7) / 12));
    close(result.p, 0.12001763774189406, 1e-9);
  });

  test("Welch's t: 2.121320, df 4.0755, p 0.099913 (scipy ttest_ind equal_var=False)", () => {
    const result = tTest(treatment, control, "welch");
    close(result.statistic, 2.121320343559643);
    close(result.p, 0.09991286431180087, 1e-9);
  });

  test("two proportions 30/100 against 20/100: pooled z 1.632993, p 0.102470", () => {
    const ones = (k: number, n: number) => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    const result = twoProportionZ(summarise("t", ones(30, 100)), summarise("c", ones(20, 100)));
    close(result.statistic, 0.1 / Math.sqrt(0.25 * 0.75 * 0.02));
    close(result.p, 0.10247043485974937, 1e-9);
  });
});

describe("CUPED with one pooled θ", () => {
  // treatment: y 3,5,7 on x 1,2,3; control: y 1,2,6 on x 1,3,2. Within-arm cross products 4
  // and 1, squares 2 and 2: θ = 5/4. Adjusted: 4.25, 5, 5.75 (var 0.5625) and 2.25, 0.75, 6
  // (var 7.3125); plain variances 4 and 7.
  const t = { arm: "t", outcome: [3, 5, 7], covariate: [1, 2, 3] };
  const c = { arm: "c", outcome: [1, 2, 6], covariate: [1, 3, 2] };

  test("θ pools the within-arm slopes: 5/4", () => {
    close(pooledTheta([t, c]), 1.25);
  });

  test("adjusted difference 2, se² 2.625 against 11/3: 28.41% of the variance removed", () => {
    const result = cuped("x", t, c, 0.95);
    close(result.theta, 1.25);
    close(result.difference.estimate, 2);
    close(result.difference.se ** 2, (0.5625 + 7.3125) / 3);
    close(result.varianceRemoved, 1 - 2.625 / (11 / 3));
  });

  test("a covariate that never varies removes nothing", () => {
    const flat = cuped("x", { ...t, covariate: [1, 1, 1] }, { ...c, covariate: [1, 1, 1] }, 0.95);
    assert.equal(flat.theta, 0);
    close(flat.varianceRemoved, 0);
  });
});

describe("the sample-ratio check tests the DESIGNED allocation", () => {
  test("a 95/5 holdout with 9,480 and 520 observed raises no alarm (chi-square 0.8421, p 0.3588)", () => {
    const check = sampleRatio([
      { arm: "treatment", observed: 9480, weight: 95 },
      { arm: "holdout", observed: 520, weight: 5 },
    ]);
    close(check.chiSquare, 400 / 9500 + 400 / 500);
    assert.equal(check.df, 1);
    close(check.p, 0.3587953578869416, 1e-9);
    assert.equal(check.alarm, false);
  });

  test("the same counts against an assumed equal split would alarm", () => {
    const check = sampleRatio([
      { arm: "treatment", observed: 9480, weight: 1 },
      { arm: "holdout", observed: 520, weight: 1 },
    ]);
    assert.equal(check.alarm, true);
  });

  test("a genuinely broken 95/5 ratio (9,300 and 700) alarms", () => {
    const check = sampleRatio([
      { arm: "treatment", observed: 9300, weight: 95 },
      { arm: "holdout", observed: 700, weight: 5 },
    ]);
    close(check.chiSquare, 200 ** 2 / 9500 + 200 ** 2 / 500);
    assert.ok(check.p < 1e-15);
    assert.equal(check.alarm, true);
  });

  test("weights are normalised: 95/5, 0.95/0.05 and 19/1 give the same check", () => {
    const run = (a: number, b: number) =>
      sampleRatio([
        { arm: "t", observed: 9480, weight: a },
        { arm: "h", observed: 520, weight: b },
      ]).chiSquare;
    close(run(0.95, 0.05), run(95, 5));
    close(run(19, 1), run(95, 5));
  });

  test("counts exactly as designed give chi-square 0 and p 1, for any allocation", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 6 }),
        (weights) => {
          const check = sampleRatio(
            weights.map((weight, index) => ({ arm: `a${index}`, observed: weight * 100, weight })),
          );
          return Math.abs(check.chiSquare) < 1e-9 && check.p > 0.999999 && !check.alarm;
        },
      ),
      { numRuns: propertyRuns() },
    );
  });
});

describe("a readout with several arms", () => {
  test("one contrast per treatment arm, each against the control", () => {
    const arm = (name: string, values: number[]) => ({
      name,
      metrics: new Map([["m", Float64Array.from(values)]]),
    });
    const result = readout(
      {
        metrics: [{ name: "m", kind: "continuous" }],
        arms: [arm("a", [1, 2, 3]), arm("b", [2, 3, 4]), arm("control", [0, 1, 2])],
      },
      {
        control: "control",
        allocation: new Map([
          ["a", 1],
          ["b", 1],
          ["control", 1],
        ]),
      },
    );
    const contrasts = result.metrics[0]?.contrasts ?? [];
    assert.deepEqual(
      contrasts.map((c) => [c.treatment, c.control, c.difference.estimate]),
      [
        ["a", "control", 1],
        ["b", "control", 2],
      ],
    );
  });

  test("a control that is not an arm is refused", () => {
    assert.throws(
      () =>
        readout(
          { metrics: [], arms: [] },
          { control: "nobody", allocation: new Map([["nobody", 1]]) },
        ),
      /control arm "nobody" is not among the arms/,
    );
  });
});

describe("promises for every input", () => {
  const sample = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), {
    minLength: 2,
    maxLength: 40,
  });

  test("swapping the arms negates the difference and mirrors its interval", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const forward = welchDifference(summarise("a", a), summarise("b", b), 0.95);
        const backward = welchDifference(summarise("b", b), summarise("a", a), 0.95);
        const tolerance =
          1e-9 * (1 + Math.abs(forward.interval[1]) + Math.abs(forward.interval[0]));
        return (
          Math.abs(forward.estimate + backward.estimate) <= tolerance &&
          Math.abs(forward.interval[0] + backward.interval[1]) <= tolerance &&
          Math.abs(forward.interval[1] + backward.interval[0]) <= tolerance &&
          forward.interval[0] <= forward.estimate &&
          forward.estimate <= forward.interval[1]
        );
      }),
      { numRuns: propertyRuns() },
    );
  });

  test("CUPED's difference is the plain one minus θ times the covariate's difference", () => {
    const pairs = fc.array(
      fc.tuple(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
      ),
      { minLength: 2, maxLength: 30 },
    );
    fc.assert(
      fc.property(pairs, pairs, (t, c) => {
        const arm = (name: string, rows: [number, number][]) => ({
          arm: name,
          outcome: rows.map(([y]) => y),
          covariate: rows.map(([, x]) => x),
        });
        const result = cuped("x", arm("t", t), arm("c", c), 0.95);
        const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
        const plain = mean(t.map(([y]) => y)) - mean(c.map(([y]) => y));
        const covariateGap = mean(t.map(([, x]) => x)) - mean(c.map(([, x]) => x));
        const expected = plain - result.theta * covariateGap;
        return Math.abs(result.difference.estimate - expected) <= 1e-6 * (1 + Math.abs(expected));
      }),
      { numRuns: propertyRuns() },
    );
  });
});
