/**
 * The value review: incremental outcome × unit value − costs over the payback window, worked
 * by hand; the node's figures read from examples/playbooks/retail.yaml; flags over them.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDeploymentFromDir } from "../../../src/playbook/loader.ts";
import { ProofInputError } from "../../../src/proof/input-error.ts";
import { readout } from "../../../src/proof/readout/readout.ts";
import { findNode, valueAssumptions } from "../../../src/proof/value/node-assumptions.ts";
import { type ValueAssumptions, valueReview } from "../../../src/proof/value/value-review.ts";

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

/**
 * Treatment spend 2, 4, 6, 8 (mean 5) against control 1, 2, 3, 4 (mean 2.5), designed 3:1.
 * Difference 2.5, Welch se √(20/12 + 5/12) = √(25/12), df = (25/12)² / ((20/12)²/3 + (5/12)²/3)
 * = 4.4118; t.ppf(0.975, 4.411765) = 2.677174 (scipy).
 */
const experiment = twoArms([2, 4, 6, 8], [1, 2, 3, 4]);

function twoArms(treatment: number[], holdout: number[]) {
  return readout(
    {
      metrics: [{ name: "spend", kind: "continuous" }],
      arms: [
        { name: "treatment", metrics: new Map([["spend", Float64Array.from(treatment)]]) },
        { name: "holdout", metrics: new Map([["spend", Float64Array.from(holdout)]]) },
      ],
    },
    {
      control: "holdout",
      allocation: new Map([
        ["treatment", 75],
        ["holdout", 25],
      ]),
    },
  );
}

const assumptions: ValueAssumptions = {
  metric: "spend",
  unitValue: 0.4,
  better: "higher",
  perMessage: 0.05,
  perInference: 0.01,
  monthlyFixed: 200,
  runningCostShare: 0.5,
  oneOff: 300,
  paybackMonths: 3,
  sendsPerMonth: 1000,
  sources: [],
};

describe("the value review", () => {
  test("value per send, costs, net a month and over the payback window, by hand", () => {
    const [value] = valueReview(experiment, assumptions).treatments;
    assert.ok(value);
    close(value.incrementalPerSend.estimate, 2.5);
    close(value.valuePerSend.estimate, 1); // 2.5 × 0.4
    // scored per send = (0.75 + 0.25) / 0.75: the holdout is scored too
    close(value.costPerSend, 0.05 + 0.01 / 0.75);
    close(value.monthlyCosts, 1000 * (0.05 + 0.01 / 0.75) + 0.5 * 200);
    const monthlyNet = 1000 * 1 - value.monthlyCosts;
    close(value.monthlyNet.estimate, monthlyNet);
    close(value.windowNet.estimate, 3 * monthlyNet - 300);
    const half = 2.677174 * Math.sqrt(25 / 12) * 0.4 * 1000 * 3;
    close(value.windowNet.interval[0], 3 * monthlyNet - 300 - half, 0.5);
    close(value.windowNet.interval[1], 3 * monthlyNet - 300 + half, 0.5);
  });

  test("the verdict: pays back on the estimate, not clearly, when the interval crosses zero", () => {
    const [value] = valueReview(experiment, assumptions).treatments;
    assert.ok(value);
    assert.equal(value.paysBack, true);
    assert.ok(value.windowNet.interval[0] < 0);
    assert.equal(value.clear, false);
  });

  test("costs above any plausible value: does not pay back, clearly", () => {
    const [value] = valueReview(experiment, { ...assumptions, perMessage: 10 }).treatments;
    assert.ok(value);
    assert.equal(value.paysBack, false);
    assert.equal(value.clear, true);
  });

  test("a clear lift and modest costs: pays back, clearly", () => {
    const [value] = valueReview(twoArms([10, 11, 12, 13], [1, 2, 3, 4]), assumptions).treatments;
    assert.ok(value);
    assert.equal(value.paysBack, true);
    assert.equal(value.clear, true);
  });

  test("for a metric where lower is better, fewer units are the gain", () => {
    const [value] = valueReview(experiment, { ...assumptions, better: "lower" }).treatments;
    assert.ok(value);
    close(value.valuePerSend.estimate, -1);
    assert.equal(value.paysBack, false);
  });

  test("sends a month default to the treatment arm's size", () => {
    const { sendsPerMonth: _, ...rest } = assumptions;
    const [value] = valueReview(experiment, rest).treatments;
    assert.equal(value?.sendsPerMonth, 4);
  });

  test("the cumulative chart's net at the target month is the window's net", () => {
    const [value] = valueReview(experiment, assumptions).treatments;
    const atTarget = value?.cumulative.find((point) => point.month === 3);
    assert.ok(value && atTarget);
    close(atTarget.net, value.windowNet.estimate);
    close(atTarget.netLow, value.windowNet.interval[0]);
    close(value.cumulative[0]?.net ?? Number.NaN, -300);
  });
});

describe("the node's figures", () => {
  const deployment = loadDeploymentFromDir("examples");
  const node = findNode(deployment, "category-campaign");

  test("unit value, costs and payback come from the retail playbook's campaign node", () => {
    const read = valueAssumptions(node, {}, ["visit", "spend"]);
    assert.equal(read.metric, "spend");
    assert.equal(read.unitValue, 0.35);
    assert.equal(read.better, "higher");
    assert.equal(read.perMessage, 0.001);
    assert.equal(read.perInference, 0.0001);
    assert.equal(read.monthlyFixed, 400);
    assert.equal(read.runningCostShare, 1);
    assert.equal(read.paybackMonths, 2);
    assert.match(read.sources.join(";"), /node category-campaign of playbook retail v1/);
  });

  test("flags override the node's figures and are listed as sources", () => {
    const read = valueAssumptions(
      node,
      { unitValue: 0.5, perMessage: 0.01, runningCostShare: 0.25, paybackMonths: 6 },
      ["spend"],
    );
    assert.equal(read.unitValue, 0.5);
    assert.equal(read.perMessage, 0.01);
    assert.equal(read.runningCostShare, 0.25);
    assert.equal(read.paybackMonths, 6);
    assert.equal(read.monthlyFixed, 400);
    assert.match(read.sources.join(";"), /--unit-value, --per-message, --running-cost-share/);
  });

  test("an unknown node is named with the nodes there are", () => {
    assert.throws(
      () => findNode(deployment, "nope"),
      (error: unknown) =>
        error instanceof ProofInputError &&
        /--node: no node "nope"; the playbooks declare .*category-campaign/.test(error.message),
    );
  });

  test("without a node, a missing unit value and payback target are asked for by flag", () => {
    assert.throws(
      () => valueAssumptions(undefined, { valueMetric: "spend" }, ["spend"]),
      (error: unknown) =>
        error instanceof ProofInputError &&
        /--unit-value: give the value of one unit of spend/.test(error.message) &&
        /--payback-months: give the payback target in months/.test(error.message),
    );
  });

  test("a valued metric the readout does not have is refused", () => {
    assert.throws(
      () => valueAssumptions(node, { valueMetric: "revenue" }, ["spend"]),
      /--value-metric: "revenue" is not a --metric of this readout \(spend\)/,
    );
  });
});

describe("the valued metric without a node", () => {
  test("a readout of one metric values that metric", () => {
    const read = valueAssumptions(undefined, { unitValue: 2, paybackMonths: 1 }, ["spend"]);
    assert.equal(read.metric, "spend");
    assert.equal(read.better, "higher");
    assert.equal(read.perMessage, 0);
  });

  test("a readout of several metrics needs --value-metric", () => {
    assert.throws(
      () => valueAssumptions(undefined, { unitValue: 2, paybackMonths: 1 }, ["visit", "spend"]),
      /--value-metric: name the metric to value, one of visit, spend/,
    );
  });
});
