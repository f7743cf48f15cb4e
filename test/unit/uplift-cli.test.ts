import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { UpliftArtifact } from "../../src/proof/uplift/artifact.ts";
import { sharedDataFile } from "../support/shared-data.ts";

/** `assent uplift …` as a user runs it: results, clear errors, nothing written on bad input. */

function assent(...args: string[]) {
  return spawnSync(process.execPath, ["bin/assent.js", "uplift", ...args], { encoding: "utf8" });
}

const csv = sharedDataFile("hillstrom.csv");
const dir = mkdtempSync(join(tmpdir(), "assent-uplift-"));

describe("assent uplift", () => {
  test("train writes a valid model file; evaluate reproduces its held-out figures", () => {
    const out = join(dir, "model.json");
    const train = assent("train", "--csv", csv, "--seed", "1", "--out", out);
    assert.equal(train.status, 0, train.stderr);
    assert.match(train.stdout, /The node mails the top 30% by (uplift|propensity)/);
    const artifact = UpliftArtifact.parse(JSON.parse(readFileSync(out, "utf8")));
    assert.equal(artifact.training.seed, 1);

    const evaluate = assent("evaluate", "--model", out, "--csv", csv, "--json");
    assert.equal(evaluate.status, 0, evaluate.stderr);
    const again = JSON.parse(evaluate.stdout);
    assert.deepEqual(again.targeting, artifact.metrics.targeting);
    assert.equal(
      again.qini.visit.uplift.coefficient,
      artifact.metrics.qini.visit.uplift.coefficient,
    );

    const node = assent("node", "--model", out);
    assert.equal(node.status, 0, node.stderr);
    // The retail playbook's campaign node was pasted from this output (seed 1, as here).
    const printed = parse(node.stdout);
    const retail = parse(readFileSync("examples/playbooks/retail.yaml", "utf8"));
    const campaign = retail.nodes.find((n: { id: string }) => n.id === "category-campaign");
    assert.equal(printed.eligibility, campaign.eligibility);
    assert.deepEqual(printed.model, campaign.model);
  });

  test("a bad CSV names the row and column and writes no model", () => {
    const bad = join(dir, "bad.csv");
    const header = readFileSync(csv, "utf8").split("\n", 1)[0];
    writeFileSync(bad, `${header}\n10,x,142.44,1,0,Urban,0,Fax,No E-Mail,0,0,0\n`);
    const out = join(dir, "never.json");
    const run = assent("train", "--csv", bad, "--out", out);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /row 1, column channel: expected one of Phone, Web, Multichannel, got "Fax"/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(existsSync(out), false);
  });

  test("evaluate refuses a CSV other than the one the model was trained on", () => {
    const model = join(dir, "model.json");
    const other = join(dir, "other.csv");
    writeFileSync(
      other,
      readFileSync(csv, "utf8").replace(/\n$/, "\n1,x,30,1,0,Urban,0,Web,No E-Mail,0,0,0\n"),
    );
    const run = assent("evaluate", "--model", model, "--csv", other);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--csv: expected a file with SHA-256 [0-9a-f]{64}/);
  });

  test("options out of range say what they take", () => {
    const share = assent("train", "--out", join(dir, "x.json"), "--share", "1.5");
    assert.notEqual(share.status, 0);
    assert.match(share.stderr, /--share must be a fraction above 0 and below 1, got "1.5"/);
    const seeds = assent("study", "--seeds", "ten");
    assert.notEqual(seeds.status, 0);
    assert.match(seeds.stderr, /--seeds must be a range such as 1-20 or a list such as 3,5,8/);
    const model = assent("evaluate", "--model", join(dir, "missing.json"));
    assert.equal(model.status, 1);
    assert.match(model.stderr, /no such file or folder: .*missing\.json/);
  });
});
