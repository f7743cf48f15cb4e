/**
 * Runs test/golden/scoring.json, generated independently by scripts/golden/scoring.py,
 * one test per case.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { z } from "zod";
import { scoreModel } from "../../src/experiment/scoring.ts";

const TOLERANCE = 1e-12;

const Logistic = z.object({
  intercept: z.number(),
  coefficients: z.record(z.string(), z.number()),
});

const GoldenCase = z.object({
  name: z.string(),
  model: z.object({
    id: z.string(),
    version: z.string(),
    kind: z.enum(["propensity", "uplift"]),
    treated: Logistic,
    control: Logistic.optional(),
  }),
  features: z.record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
  ),
  expected: z.object({ score: z.number(), confidence: z.number() }).optional(),
  throws: z.literal(true).optional(),
});

const GoldenFile = z.object({ version: z.literal(1), cases: z.array(GoldenCase).min(10) });

type GoldenCase = z.infer<typeof GoldenCase>;

const file = GoldenFile.parse(
  JSON.parse(readFileSync(new URL("./scoring.json", import.meta.url), "utf8")),
);

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what} ${actual}, expected ${expected}`);
}

function runCase(golden: GoldenCase): void {
  if (golden.throws === true) {
    assert.throws(() => scoreModel(golden.model, golden.features), /no control model/);
    return;
  }

  assert.ok(golden.expected, "a case either throws or has an expected score");
  const { score, confidence } = scoreModel(golden.model, golden.features);
  assertClose(score, golden.expected.score, "score");
  assertClose(confidence, golden.expected.confidence, "confidence");
}

describe(`scoring golden cases (version ${file.version})`, () => {
  for (const golden of file.cases) test(golden.name, () => runCase(golden));
});
