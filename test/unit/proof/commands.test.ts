/**
 * `assent readout` in each format and `assent report` end to end on a small file, run in this
 * process: the figures that come out are the readout's, the files are all there.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Command } from "commander";
import { readoutCommand } from "../../../src/cli/readout-command.ts";
import { reportCommand } from "../../../src/cli/report-command.ts";
import { exampleQiniCurve } from "../../support/qini-example.ts";
import { runCommand } from "../../support/run-command.ts";

// treatment spend 2, 4, 6, 8 (mean 5) and control 1, 2, 3 (mean 2): difference 3.
const CSV = [
  "arm,visit,spend,history",
  "treatment,1,2,10",
  "treatment,0,4,20",
  "treatment,1,6,30",
  "treatment,1,8,40",
  "holdout,0,1,10",
  "holdout,1,2,20",
  "holdout,0,3,30",
].join("\n");

const EXPERIMENT = [
  "--arm",
  "arm",
  "--control",
  "holdout",
  "--allocation",
  "treatment=50,holdout=50",
  "--metric",
  "visit:binary",
  "--metric",
  "spend",
  "--covariate",
  "history",
];

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "assent-proof-commands-"));
  const csv = join(dir, "small.csv");
  writeFileSync(csv, `${CSV}\n`);
  return { dir, csv };
}

/** Runs a command in this process; fails the test if it reports an error. */
async function run(make: () => Command, args: readonly string[]): Promise<void> {
  const { stderr, exitCode } = await runCommand(make, args);
  assert.equal(exitCode, undefined, stderr);
}

describe("assent readout", () => {
  test("--format json holds every figure of the readout", async () => {
    const { dir, csv } = setUp();
    const out = join(dir, "readout.json");
    await run(readoutCommand, ["--csv", csv, ...EXPERIMENT, "--format", "json", "--out", out]);
    const json = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(json.control, "holdout");
    assert.equal(json.subjects, 7);
    const spend = json.metrics.find((metric: { metric: string }) => metric.metric === "spend");
    assert.equal(spend.contrasts[0].difference.estimate, 3);
    assert.equal(spend.contrasts[0].test.kind, "welch-t");
    assert.equal(spend.contrasts[0].cuped.covariate, "history");
    assert.equal(json.sampleRatio.arms[0].designedShare, 0.5);
  });

  test("--t-test student switches the continuous test", async () => {
    const { dir, csv } = setUp();
    const out = join(dir, "readout.json");
    const args = ["--csv", csv, ...EXPERIMENT, "--t-test", "student", "--format", "json"];
    await run(readoutCommand, [...args, "--out", out]);
    const json = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(json.metrics[1].contrasts[0].test.kind, "student-t");
    assert.equal(json.metrics[1].contrasts[0].test.df, 5);
  });

  test("--format table and markdown print the difference and the sample-ratio verdict", async () => {
    const { dir, csv } = setUp();
    for (const format of ["table", "markdown"]) {
      const out = join(dir, `readout.${format}`);
      await run(readoutCommand, ["--csv", csv, ...EXPERIMENT, "--format", format, "--out", out]);
      const text = readFileSync(out, "utf8");
      assert.match(text, /treatment − holdout/);
      assert.match(text, /Sample ratio as designed/);
      assert.match(text, /CUPED on history/);
    }
  });

  test("--format html is one page with a chart per metric", async () => {
    const { dir, csv } = setUp();
    const out = join(dir, "readout.html");
    await run(readoutCommand, ["--csv", csv, ...EXPERIMENT, "--format", "html", "--out", out]);
    const html = readFileSync(out, "utf8");
    assert.equal(html.match(/<figure data-chart="means-/g)?.length, 2);
  });
});

describe("assent report", () => {
  test("with the retail node and a Qini file: Markdown, HTML and five PNG charts", async () => {
    const { dir, csv } = setUp();
    const qini = join(dir, "qini.json");
    writeFileSync(qini, JSON.stringify(exampleQiniCurve()));
    const out = join(dir, "report");
    await run(reportCommand, [
      "--csv",
      csv,
      ...EXPERIMENT,
      "--node",
      "category-campaign",
      "--sends-per-month",
      "10000",
      "--qini",
      qini,
      "--out",
      out,
    ]);
    assert.deepEqual(readdirSync(out).sort(), [
      "means-spend.png",
      "means-visit.png",
      "qini.png",
      "report.html",
      "report.md",
      "value.png",
    ]);
    const markdown = readFileSync(join(out, "report.md"), "utf8");
    assert.match(
      markdown,
      /from: node category-campaign of playbook retail v1; flags --sends-per-month/,
    );
    assert.match(markdown, /spend \(higher is better\), 0\.35 per unit/);
    assert.match(markdown, /payback target: 2 months/);
  });

  test("a Qini file with a bad field is named and nothing is written", async () => {
    const { dir, csv } = setUp();
    const qini = join(dir, "qini.json");
    writeFileSync(
      qini,
      JSON.stringify({ points: [{ fraction: 2, incremental: 0 }], coefficient: 1 }),
    );
    const out = join(dir, "report");
    const refused = await runCommand(reportCommand, [
      "--csv",
      csv,
      ...EXPERIMENT,
      "--qini",
      qini,
      "--out",
      out,
    ]);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /\/points\/0\/fraction: .*1/);
    assert.match(refused.stderr, /\/points: .*2/);
    assert.equal(existsSync(out), false);
  });

  test("--qini FILE#/pointer takes the curve out of the uplift evaluation's JSON", async () => {
    const { dir, csv } = setUp();
    const { outcome: _, ...curve } = exampleQiniCurve();
    const evaluation = join(dir, "evaluation.json");
    writeFileSync(evaluation, JSON.stringify({ qini: { visit: { uplift: curve } } }));
    const out = join(dir, "report");
    await run(reportCommand, [
      "--csv",
      csv,
      ...EXPERIMENT,
      "--qini",
      `${evaluation}#/qini/visit/uplift`,
      "--qini-outcome",
      "visit",
      "--out",
      out,
    ]);
    const markdown = readFileSync(join(out, "report.md"), "utf8");
    assert.match(markdown, /## Uplift targeting \(visit\)/);
    assert.match(markdown, /Qini coefficient 0\.0123\./);
    assert.ok(existsSync(join(out, "qini.png")));
  });

  test("a pointer to nothing is named and nothing is written", async () => {
    const { dir, csv } = setUp();
    const evaluation = join(dir, "evaluation.json");
    writeFileSync(evaluation, JSON.stringify({ qini: {} }));
    const out = join(dir, "report");
    const refused = await runCommand(reportCommand, [
      "--csv",
      csv,
      ...EXPERIMENT,
      "--qini",
      `${evaluation}#/qini/visit/uplift`,
      "--out",
      out,
    ]);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /\/qini\/visit\/uplift: nothing at "visit" in this document/);
    assert.equal(existsSync(out), false);
  });
});
