import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { LogisticModel, ScoringModel } from "../../src/engine/node.ts";
import { type Features, scoreModel } from "../../src/experiment/scoring.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();

// ------------------------------------------------------------------ generators

const names = ["a.n", "a.flag", "a.cat", "a.tags"] as const;
const categories = ["x", "y", "z", "=", ""] as const;

// fc.double alone spreads over the binary representation, so most of its values are tiny.
const coefficient = fc.oneof(
  fc.integer({ min: -5000, max: 5000 }).map((n) => n / 1000),
  fc.double({ min: -5, max: 5, noNaN: true }),
);

const logistic: fc.Arbitrary<LogisticModel> = fc.record({
  intercept: coefficient,
  coefficients: fc.dictionary(
    fc.oneof(
      fc.constantFrom(...names),
      fc.constantFrom(...categories).map((value) => `a.cat=${value}`),
      fc.constantFrom(...categories).map((value) => `a.tags=${value}`),
    ),
    coefficient,
  ),
});

const features: fc.Arbitrary<Features> = fc.record(
  {
    "a.n": fc.oneof(
      fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 1000),
      fc.double({ min: -100, max: 100, noNaN: true }),
    ),
    "a.flag": fc.boolean(),
    "a.cat": fc.constantFrom(...categories),
    "a.tags": fc.array(fc.constantFrom(...categories), { maxLength: 6 }),
  },
  { requiredKeys: [] },
);

function propensity(treated: LogisticModel): ScoringModel {
  return { id: "p", version: "1", kind: "propensity", treated };
}

function uplift(treated: LogisticModel, control: LogisticModel): ScoringModel {
  return { id: "u", version: "1", kind: "uplift", treated, control };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Names and values with `=` in them, where `attribute=value` keys could be read two ways. */
const tricky = fc.constantFrom("a", "a=b", "b", "b=c", "=", "");

const trickyModel: fc.Arbitrary<LogisticModel> = fc.record({
  intercept: coefficient,
  coefficients: fc.dictionary(
    fc.oneof(
      tricky,
      fc.tuple(tricky, tricky).map(([name, value]) => `${name}=${value}`),
    ),
    coefficient,
  ),
});

const trickyFeatures: fc.Arbitrary<Features> = fc.dictionary(
  tricky,
  fc.oneof(
    coefficient,
    fc.boolean(),
    tricky,
    fc.array(tricky, { maxLength: 4 }).map((list) => [...new Set(list)]),
  ),
);

/** The definition read literally: look each feature up by name or by `name=value`. */
function referenceScore(model: LogisticModel, values: Features): number {
  const weightOf = (key: string): number =>
    Object.hasOwn(model.coefficients, key) ? (model.coefficients[key] ?? 0) : 0;
  let z = model.intercept;
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "number") z += weightOf(name) * value;
    else if (typeof value === "boolean") z += value ? weightOf(name) : 0;
    else if (typeof value === "string") z += weightOf(`${name}=${value}`);
    else if (value !== undefined) for (const item of value) z += weightOf(`${name}=${item}`);
  }
  return sigmoid(z);
}

// ------------------------------------------------------------------ properties

describe("scoreModel properties", () => {
  test("a propensity score and its confidence lie in [0, 1]", () => {
    fc.assert(
      fc.property(logistic, features, (model, values) => {
        const { score, confidence } = scoreModel(propensity(model), values);
        return score >= 0 && score <= 1 && confidence >= 0 && confidence <= 1;
      }),
      { numRuns },
    );
  });

  test("an uplift is p(treated) − p(control), as sure as its less certain model", () => {
    fc.assert(
      fc.property(logistic, logistic, features, (treated, control, values) => {
        const result = scoreModel(uplift(treated, control), values);
        const pt = scoreModel(propensity(treated), values);
        const pc = scoreModel(propensity(control), values);
        assert.equal(result.score, pt.score - pc.score);
        assert.equal(result.confidence, Math.min(pt.confidence, pc.confidence));
        assert.ok(result.score >= -1 && result.score <= 1);
      }),
      { numRuns },
    );
  });

  test("an absent attribute scores like zero, false, an unknown category or an empty list", () => {
    fc.assert(
      fc.property(logistic, features, (model, values) => {
        const zeroed: Features = { "a.n": 0, "a.flag": false, "a.cat": "unknown", "a.tags": [] };
        const scored = scoreModel(propensity(model), { ...zeroed, ...values }).score;
        return Math.abs(scored - scoreModel(propensity(model), values).score) < 1e-15;
      }),
      { numRuns },
    );
  });

  test("the score is the plain definition, even where keys hold `=` in names and values", () => {
    fc.assert(
      fc.property(trickyModel, trickyFeatures, (model, values) => {
        const expected = referenceScore(model, values);
        return Math.abs(scoreModel(propensity(model), values).score - expected) < 1e-12;
      }),
      { numRuns },
    );
  });

  test("the order of the features does not change the score beyond rounding", () => {
    fc.assert(
      fc.property(logistic, features, (model, values) => {
        const reversed = Object.fromEntries(Object.entries(values).reverse());
        const forward = scoreModel(propensity(model), values).score;
        return Math.abs(forward - scoreModel(propensity(model), reversed).score) < 1e-12;
      }),
      { numRuns },
    );
  });
});

// ------------------------------------------------------------------ examples

describe("scoreModel", () => {
  const model: LogisticModel = {
    intercept: -1,
    coefficients: { "a.n": 0.5, "a.flag": 2, "a.cat=x": 0.25, "a.tags=x": 1, "a.tags=y": -3 },
  };

  test("numbers, booleans, one-hot strings and lists each add their coefficient", () => {
    const values: Features = { "a.n": 2, "a.flag": true, "a.cat": "x", "a.tags": ["x", "y", "x"] };
    const { score, confidence } = scoreModel(propensity(model), values);
    const p = sigmoid(-1 + 0.5 * 2 + 2 + 0.25 + 1 - 3);
    assert.equal(score, p);
    assert.equal(confidence, Math.abs(2 * p - 1));
  });

  test("with no features the score is sigmoid(intercept)", () => {
    assert.equal(scoreModel(propensity(model), {}).score, sigmoid(-1));
  });

  test("an uplift model without a control model is refused with a clear error", () => {
    const broken: ScoringModel = { id: "winback", version: "7", kind: "uplift", treated: model };
    assert.throws(() => scoreModel(broken, {}), /uplift model winback@7 has no control model/);
  });

  test("a NaN or infinite feature under a coefficient is refused", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => scoreModel(propensity(model), { "a.n": bad }), /linear predictor/);
    }
  });

  test("a feature without a coefficient is ignored, even NaN or an inherited name", () => {
    const values: Features = { other: Number.NaN, constructor: 3, toString: "x", valueOf: true };
    assert.equal(scoreModel(propensity(model), values).score, sigmoid(-1));

    // `a.cat` has category coefficients only: as a number it has no coefficient.
    assert.equal(scoreModel(propensity(model), { "a.cat": Number.NaN }).score, sigmoid(-1));
  });
});
