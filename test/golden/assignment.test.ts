/**
 * Runs test/golden/assignment.json, generated independently by scripts/golden/assignment.py,
 * one test per case.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { z } from "zod";
import { assignArm, bucketOf, fnv1a32 } from "../../src/experiment/assignment.ts";

const TOLERANCE = 1e-12;

const GoldenCase = z.object({
  name: z.string(),
  salt: z.string(),
  subjectId: z.string(),
  arms: z.array(z.object({ name: z.string(), weight: z.number() })).min(1),
  traffic: z.number(),
  expected: z.object({
    fnv1a32: z.number().int(),
    hash: z.number().int(),
    bucket: z.number(),
    arm: z.string().nullable(),
  }),
});

const GoldenFile = z.object({
  version: z.literal(1),
  hash: z.literal("assent-bucket-v1"),
  cases: z.array(GoldenCase).min(30),
});

type GoldenCase = z.infer<typeof GoldenCase>;

const file = GoldenFile.parse(
  JSON.parse(readFileSync(new URL("./assignment.json", import.meta.url), "utf8")),
);

function runCase(golden: GoldenCase): void {
  const spec = {
    salt: golden.salt,
    arms: golden.arms,
    control: golden.arms[0]?.name ?? "",
    traffic: golden.traffic,
  };
  const { arm, bucket } = assignArm(spec, golden.subjectId);

  assert.equal(fnv1a32(`${golden.salt}:${golden.subjectId}`), golden.expected.fnv1a32);
  assert.equal(bucket * 2 ** 32, golden.expected.hash);
  assert.ok(
    Math.abs(bucket - golden.expected.bucket) <= TOLERANCE,
    `bucket ${bucket}, expected ${golden.expected.bucket}`,
  );
  assert.equal(bucketOf(golden.salt, golden.subjectId), bucket);
  assert.equal(arm, golden.expected.arm);
}

describe(`assignment golden cases (version ${file.version}, ${file.hash})`, () => {
  for (const golden of file.cases) test(golden.name, () => runCase(golden));
});
