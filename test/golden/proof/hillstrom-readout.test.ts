/**
 * The readout reproduces the published Hillstrom figures (hillstrom-reference.json, computed
 * independently with numpy/scipy) from the real 64,000-row file, to 4 significant digits.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { z } from "zod";
import { readExperimentCsv } from "../../../src/proof/csv-import.ts";
import { type Readout, readout } from "../../../src/proof/readout/readout.ts";
import { sharedDataFile } from "../../support/shared-data.ts";
import { assertSignificant } from "../../support/significant.ts";

const CONTROL = "No E-Mail";
const ALLOCATION = new Map([
  ["Mens E-Mail", 1],
  ["Womens E-Mail", 1],
  [CONTROL, 1],
]);

const Contrast = z.object({
  treatment: z.string(),
  control: z.string(),
  metric: z.enum(["visit", "conversion", "spend"]),
  diff: z.number(),
  relative_lift: z.number(),
  se_welch: z.number(),
  ci95_welch: z.tuple([z.number(), z.number()]),
  p_student_t: z.number(),
  t_student: z.number().optional(),
  z_pooled: z.number().optional(),
  p_pooled_z: z.number().optional(),
});
const Reference = z.object({
  arms: z.record(
    z.string(),
    z.object({
      n: z.number(),
      visit_rate: z.number(),
      conversion_rate: z.number(),
      spend_mean: z.number(),
      spend_sd: z.number(),
    }),
  ),
  contrasts: z.array(Contrast),
  srm: z.object({ chi2: z.number(), df: z.number(), p: z.number() }),
});

const reference = Reference.parse(
  JSON.parse(readFileSync(sharedDataFile("hillstrom-reference.json"), "utf8")),
);

/** The reference's continuous test is Student's pooled t (scipy ttest_ind, equal_var=True). */
let student: Readout;
let welch: Readout;

before(() => {
  const data = readExperimentCsv(
    sharedDataFile("hillstrom.csv"),
    {
      arm: "segment",
      metrics: [
        { name: "visit", kind: "binary" },
        { name: "conversion", kind: "binary" },
        { name: "spend", kind: "continuous" },
      ],
      covariate: "history",
    },
    { control: CONTROL, allocation: ALLOCATION },
  );
  student = readout(data, { control: CONTROL, allocation: ALLOCATION, tTest: "student" });
  welch = readout(data, { control: CONTROL, allocation: ALLOCATION });
});

function metric(result: Readout, name: string) {
  const found = result.metrics.find((candidate) => candidate.metric === name);
  assert.ok(found, `metric ${name}`);
  return found;
}

function arm(result: Readout, metricName: string, armName: string) {
  const found = metric(result, metricName).arms.find((candidate) => candidate.arm === armName);
  assert.ok(found, `arm ${armName}`);
  return found;
}

function contrastOf(result: Readout, metricName: string, treatment: string) {
  const found = metric(result, metricName).contrasts.find((c) => c.treatment === treatment);
  assert.ok(found, `contrast ${treatment}`);
  return found;
}

/** Agreement within one unit of the 4th significant digit. */
function assertWithinUnit(actual: number, expected: number, label: string): void {
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(expected))) - 3);
  assert.ok(Math.abs(actual - expected) <= unit, `${label}: ${actual} against ${expected}`);
}

describe("Hillstrom readout against the reference figures", () => {
  test("visit rates 0.182757 / 0.151400 / 0.106167", () => {
    assertSignificant(arm(welch, "visit", "Mens E-Mail").mean, 0.182757);
    assertSignificant(arm(welch, "visit", "Womens E-Mail").mean, 0.1514);
    assertSignificant(arm(welch, "visit", CONTROL).mean, 0.106167);
  });

  test("conversion rates 0.012531 / 0.008837 / 0.005726", () => {
    assertSignificant(arm(welch, "conversion", "Mens E-Mail").mean, 0.012531);
    assertSignificant(arm(welch, "conversion", "Womens E-Mail").mean, 0.008837);
    assertSignificant(arm(welch, "conversion", CONTROL).mean, 0.005726);
  });

  test("mean spend 1.422617 / 1.077202 / 0.652789", () => {
    assertSignificant(arm(welch, "spend", "Mens E-Mail").mean, 1.422617);
    assertSignificant(arm(welch, "spend", "Womens E-Mail").mean, 1.077202);
    assertSignificant(arm(welch, "spend", CONTROL).mean, 0.652789);
  });

  test("every arm's n, rates, mean and sd match the reference file", () => {
    for (const [name, figures] of Object.entries(reference.arms)) {
      assert.equal(arm(welch, "spend", name).n, figures.n);
      assertSignificant(arm(welch, "visit", name).mean, figures.visit_rate, 4, `${name} visit`);
      assertSignificant(arm(welch, "spend", name).sd, figures.spend_sd, 4, `${name} spend sd`);
    }
  });

  test("men's minus no e-mail spend: 0.769827, Welch 95% [0.485149, 1.054505]", () => {
    const spend = contrastOf(welch, "spend", "Mens E-Mail");
    assertSignificant(spend.difference.estimate, 0.769827);
    assertSignificant(spend.difference.interval[0], 0.485149);
    assertSignificant(spend.difference.interval[1], 1.054505);
  });

  test("men's minus no e-mail spend: Student t 5.300090, p 1.1632e-07", () => {
    const spend = contrastOf(student, "spend", "Mens E-Mail");
    assert.equal(spend.test.kind, "student-t");
    assert.equal(spend.test.df, 21307 + 21306 - 2);
    assertSignificant(spend.test.statistic, 5.30009);
    assertSignificant(spend.test.p, 1.1632e-7);
  });

  test("the Welch t of the same contrast is the difference over the Welch standard error", () => {
    const spend = contrastOf(welch, "spend", "Mens E-Mail");
    assert.equal(spend.test.kind, "welch-t");
    assertSignificant(spend.test.statistic, 0.769827 / 0.145247);
  });

  test("every reference contrast: difference, Welch interval, lift, and its test", () => {
    for (const expected of reference.contrasts) {
      const label = `${expected.treatment} ${expected.metric}`;
      const actual = contrastOf(student, expected.metric, expected.treatment);
      assertSignificant(actual.difference.estimate, expected.diff, 4, label);
      // The reference rounds standard errors to 6 decimals (3 significant digits for some).
      assert.ok(Math.abs(actual.difference.se - expected.se_welch) <= 5e-7, `${label} se`);
      // The reference multiplies by the normal 1.959964 and quotes some ends to 4 digits; the
      // readout takes the Welch t quantile (1.96002 at these sizes): one unit in the 4th digit.
      assertWithinUnit(actual.difference.interval[0], expected.ci95_welch[0], `${label} low`);
      assertWithinUnit(actual.difference.interval[1], expected.ci95_welch[1], `${label} high`);
      assertSignificant(actual.lift?.estimate ?? Number.NaN, expected.relative_lift, 4, label);
      if (expected.t_student !== undefined) {
        assertSignificant(actual.test.statistic, expected.t_student, 4, `${label} t`);
        assertSignificant(actual.test.p, expected.p_student_t, 4, `${label} p`);
      }
      if (expected.z_pooled !== undefined && expected.p_pooled_z !== undefined) {
        assert.equal(actual.test.kind, "two-proportion-z");
        assertSignificant(actual.test.statistic, expected.z_pooled, 4, `${label} z`);
        // Double precision keeps a normal tail's digits down to about 1e-13; below, the
        // reports print "< 1e-12".
        if (expected.p_pooled_z > 1e-13) {
          assertSignificant(actual.test.p, expected.p_pooled_z, 4, `${label} z p`);
        } else {
          assert.ok(actual.test.p < 1e-12, `${label} z p`);
        }
      }
    }
  });

  test("sample ratio against the designed thirds: chi-square 0.2025, p 0.9037, no alarm", () => {
    const check = welch.sampleRatio;
    assertSignificant(check.chiSquare, 0.2025);
    assertSignificant(check.chiSquare, reference.srm.chi2);
    assert.equal(check.df, reference.srm.df);
    assertSignificant(check.p, 0.9037);
    assert.equal(check.alarm, false);
  });

  test("CUPED on the pre-period history narrows the interval and says by how much", () => {
    const spend = contrastOf(welch, "spend", "Mens E-Mail");
    const adjusted = spend.cuped;
    assert.ok(adjusted);
    assert.equal(adjusted.covariate, "history");
    assert.ok(adjusted.varianceRemoved > 0 && adjusted.varianceRemoved < 0.05);
    assert.ok(adjusted.difference.se < spend.difference.se);
    assertSignificant(
      adjusted.difference.se ** 2,
      spend.difference.se ** 2 * (1 - adjusted.varianceRemoved),
      6,
    );
  });
});
