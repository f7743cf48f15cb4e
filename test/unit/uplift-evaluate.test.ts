import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { AppError } from "../../src/app/errors.ts";
import { scoreModel } from "../../src/experiment/scoring.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { loadHillstrom } from "../../src/proof/hillstrom/hillstrom.ts";
import { splitHalves } from "../../src/proof/hillstrom/split.ts";
import { readArtifact, toArtifact, UpliftArtifact } from "../../src/proof/uplift/artifact.ts";
import {
  estimateSlice,
  qiniCurve,
  type ScoredCustomer,
  topShare,
} from "../../src/proof/uplift/evaluate.ts";
import { retailProfile } from "../../src/proof/uplift/features.ts";
import { nodeModel, nodeYaml } from "../../src/proof/uplift/node-model.ts";
import { trainAndEvaluate } from "../../src/proof/uplift/train.ts";
import { DEFAULT_UPLIFT_OPTIONS } from "../../src/proof/uplift/two-model.ts";
import { sharedDataFile } from "../support/shared-data.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

/** A held-out customer with only what the estimators read. */
function customer(treated: boolean, visit: number, uplift = 0): ScoredCustomer {
  const pair = { treated: 0, control: 0, uplift };
  return {
    row: 0,
    treated,
    outcome: { visit, conversion: 0, spend: 0 },
    prediction: { visit: pair, conversion: pair, spend: pair },
  };
}

describe("judging targeting on the held-out half", () => {
  test("a slice's incremental outcome is treated − control mean with Welch's interval", () => {
    // Treated visits 1,1,0,0 (mean 0.5, s² = 1/3); control 1,0,0 (mean 1/3, s² = 1/3).
    const slice = [1, 1, 0, 0].map((v) => customer(true, v));
    slice.push(...[1, 0, 0].map((v) => customer(false, v)));
    const estimate = estimateSlice(slice, "visit");
    close(estimate.incremental, 1 / 6, 1e-12, "difference");
    const se = Math.sqrt(1 / 3 / 4 + 1 / 3 / 3);
    close(estimate.high - estimate.incremental, 1.959963984540054 * se, 1e-9, "half width");
    assert.equal(estimate.treated, 4);
    assert.equal(estimate.control, 3);
  });

  test("the Qini curve ends at n · (treated − control mean) and rewards finding responders first", () => {
    // Responders to treatment carry the highest scores in `good`, the lowest in `bad`.
    const good = [
      customer(true, 1, 0.9),
      customer(false, 0, 0.8),
      customer(true, 1, 0.7),
      customer(false, 0, 0.6),
      customer(true, 0, 0.2),
      customer(false, 1, 0.1),
      customer(true, 0, 0.05),
      customer(false, 1, 0.01),
    ];
    const curve = qiniCurve(good, "visit");
    // Treated mean 0.5, control mean 0.5: mailing everyone adds nothing.
    close(curve.points.at(-1)?.incremental ?? Number.NaN, 0, 1e-12, "end");
    // After 4 customers: treated 2/2, control 0/2 → 4 · 1 = 4 extra visits.
    close(curve.points[50]?.incremental ?? Number.NaN, 4, 1e-12, "half way");
    assert.ok(curve.coefficient > 0);
    assert.ok(qiniCurve([...good].reverse(), "visit").coefficient < 0);
    assert.equal(curve.points.length, 101);
    assert.equal(topShare(good, 0.3).length, 2);
  });
});

describe("a training run on Hillstrom", () => {
  const customers = loadHillstrom(sharedDataFile("hillstrom.csv"));
  const options = { ...DEFAULT_UPLIFT_OPTIONS, seed: 1, share: 0.3 };
  const run = trainAndEvaluate(customers, options);
  const { catalog } = loadDeploymentFromDir("examples");
  const artifact = toArtifact(
    run,
    { file: "hillstrom.csv", sha256: "x", rows: 64_000 },
    catalog,
    1,
  );

  test("is deterministic given the seed", () => {
    const again = trainAndEvaluate(customers, options);
    assert.deepEqual(again.targeting, run.targeting);
    assert.equal(again.qini.visit.uplift.coefficient, run.qini.visit.uplift.coefficient);
  });

  test("held-out incremental rates sit within the reference's full-data intervals", () => {
    // Half the data: the estimate may wander about √2 × the full-data interval.
    close(run.overall.visit.incremental, 0.07659, 0.0066 * 1.5, "visit");
    close(run.overall.conversion.incremental, 0.006805, 0.0018 * 1.5, "conversion");
    close(run.overall.spend.incremental, 0.769827, 0.2847 * 1.5, "spend");
  });

  test("the artifact validates against its schema and lists the catalog's purposes per feature", () => {
    const json = JSON.parse(JSON.stringify(artifact));
    assert.equal(UpliftArtifact.safeParse(json).success, true);
    for (const feature of artifact.features) {
      assert.deepEqual(feature.purposes, catalog.attributes.get(feature.attribute)?.purposes);
      assert.ok(feature.purposes.includes("marketing.campaigns"));
    }
    assert.equal(artifact.card.purpose, "marketing.campaigns");
  });

  test("a model file that is not one names the bad fields; uplift targeting gives an uplift model", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-artifact-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ ...artifact, formatVersion: 2, targeting: undefined }));
    assert.throws(
      () => readArtifact(file),
      (error: unknown) =>
        error instanceof AppError &&
        error.fields.some((f) => f.pointer === "/formatVersion") &&
        error.fields.some((f) => f.pointer === "/targeting"),
    );
    writeFileSync(file, "{ not json");
    assert.throws(() => readArtifact(file), /is not JSON/);
    rmSync(dir, { recursive: true, force: true });

    const uplift = { ...artifact, targeting: { ...artifact.targeting, by: "uplift" as const } };
    const model = nodeModel(uplift);
    assert.equal(model.kind, "uplift");
    assert.ok(model.control !== undefined);
    assert.equal(model.minScore, Number(artifact.targeting.cutoff.toPrecision(6)));
    assert.match(nodeYaml(uplift), /^ {2}min_score: /m);
  });

  test("the targeting choice follows its recorded evidence", () => {
    const { evidence, by } = artifact.targeting;
    const expected =
      evidence.propensity.incremental > evidence.uplift.incremental ? "propensity" : "uplift";
    assert.equal(by, expected);
    const percent =
      run.scored.filter(
        (c) =>
          (by === "uplift" ? c.prediction.visit.uplift : c.prediction.visit.treated) >=
          artifact.targeting.cutoff,
      ).length / run.scored.length;
    close(percent, 0.3, 0.001, "share at or above the cut-off");
  });

  test("the retail playbook's campaign node carries this model, and the engine scores it the same", () => {
    const retail = parse(readFileSync("examples/playbooks/retail.yaml", "utf8"));
    const node = retail.nodes.find((n: { id: string }) => n.id === "category-campaign");
    const { minScore, ...model } = nodeModel(artifact);
    assert.deepEqual({ ...node.model }, { ...model, min_score: minScore });

    const scored = new Map(run.scored.map((c) => [c.row, c]));
    const { heldOut } = splitHalves(customers, 1);
    const compared = heldOut.filter((c) => scored.has(c.row)).slice(0, 2000);
    for (const c of compared) {
      const own = scored.get(c.row)?.prediction.visit.treated ?? Number.NaN;
      close(scoreModel(model, retailProfile(c)).score, own, 1e-5, `row ${c.row}`);
    }
  });

  test("the node's eligibility and model cut-off mail exactly those at or above the cut-off", () => {
    const deployment = loadDeploymentFromDir("examples");
    const node = deployment.playbooks
      .flatMap((playbook) => playbook.nodes)
      .find((candidate) => candidate.id === "category-campaign");
    const rule = node?.eligibility;
    const minScore = node?.model?.minScore;
    assert.ok(rule !== undefined && node?.model !== undefined && minScore !== undefined);
    const cutoff = artifact.targeting.cutoff;
    close(minScore, cutoff, 1e-6, "the node's min_score");
    let mailed = 0;
    for (const c of run.scored) {
      const customer = customers[c.row - 1];
      assert.equal(customer?.row, c.row);
      if (customer === undefined) continue;
      const score: number = scoreModel(node.model, retailProfile(customer)).score;
      const fields = Object.entries(retailProfile(customer)).map(([k, v]) => [k.slice(7), v]);
      const base: boolean = rule.evaluate({ retail: Object.fromEntries(fields) });
      const eligible: boolean = base && score >= minScore;
      // Six-digit coefficients move a score by about 1e-6: leave the cut-off's own edge out.
      if (Math.abs(score - cutoff) > 1e-5) assert.equal(eligible, score >= cutoff, `row ${c.row}`);
      if (eligible) mailed += 1;
    }
    close(mailed / run.scored.length, 0.3, 0.002, "share the rule mails");
  });
});
