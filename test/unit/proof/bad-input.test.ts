/**
 * Bad experiment files: each kind of problem is named with its row and column, the command
 * exits 1, and neither `assent readout --out FILE` nor `assent report --out DIR` writes anything.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { csvPath } from "../../../src/cli/proof-options.ts";
import { readoutCommand } from "../../../src/cli/readout-command.ts";
import { reportCommand } from "../../../src/cli/report-command.ts";
import { parseExperimentCsv } from "../../../src/proof/csv-import.ts";
import { ProofInputError } from "../../../src/proof/input-error.ts";
import { runCommand } from "../../support/run-command.ts";

const HEADER = "segment,visit,spend,history";
const GOOD_ROWS = [
  "treatment,1,10.5,100",
  "treatment,0,0,50",
  "treatment,1,3.25,80",
  "control,0,0,90",
  "control,1,2,60",
  "control,0,0,70",
];

const DESIGN = ["--arm", "segment", "--control", "control", "--metric", "visit:binary"];
const ALLOCATION = ["--allocation", "treatment=1,control=1"];

/**
 * Writes `rows` under the header, runs readout and report on it with `extra` options, and
 * checks both fail naming `expected`, writing nothing.
 */
async function assertRefused(rows: readonly string[], extra: readonly string[], expected: RegExp) {
  const dir = mkdtempSync(join(tmpdir(), "assent-proof-"));
  const csv = join(dir, "experiment.csv");
  writeFileSync(csv, `${[HEADER, ...rows].join("\n")}\n`);
  const out = join(dir, "readout.json");
  const readout = await runCommand(readoutCommand, [
    "--csv",
    csv,
    ...DESIGN,
    ...extra,
    "--format",
    "json",
    "--out",
    out,
  ]);
  assert.equal(readout.exitCode, 1);
  assert.match(readout.stderr, expected);
  assert.match(readout.stderr, /nothing written/);
  assert.equal(existsSync(out), false, "readout wrote its output file");

  const reportDir = join(dir, "report");
  const report = await runCommand(reportCommand, [
    "--csv",
    csv,
    ...DESIGN,
    ...extra,
    "--out",
    reportDir,
  ]);
  assert.equal(report.exitCode, 1);
  assert.match(report.stderr, expected);
  assert.equal(existsSync(reportDir), false, "report created its folder");
}

describe("bad experiment files", () => {
  test("a missing column is named, with the header's columns", async () => {
    await assertRefused(
      GOOD_ROWS,
      [...ALLOCATION, "--metric", "spnd"],
      /row 0 \(header\), column "spnd": no such column \(named by --metric\); the header has "segment", "visit", "spend", "history"/,
    );
  });

  test("a non-numeric metric value names its row and column", async () => {
    const rows = [...GOOD_ROWS];
    rows[2] = "treatment,1,lots,80";
    await assertRefused(
      rows,
      [...ALLOCATION, "--metric", "spend"],
      /row 3, column "spend": expected a number, got "lots"/,
    );
  });

  test("a binary metric value other than 0 or 1 names its row and column", async () => {
    const rows = [...GOOD_ROWS];
    rows[4] = "control,2,2,60";
    await assertRefused(
      rows,
      ALLOCATION,
      /row 5, column "visit": expected 0 or 1 for the binary metric, got "2"/,
    );
  });

  test("an empty metric cell names its row and column", async () => {
    const rows = [...GOOD_ROWS];
    rows[0] = "treatment,,10.5,100";
    await assertRefused(rows, ALLOCATION, /row 1, column "visit": empty; expected a number/);
  });

  test("a non-numeric covariate names its row and column", async () => {
    const rows = [...GOOD_ROWS];
    rows[5] = "control,0,0,n/a";
    await assertRefused(
      rows,
      [...ALLOCATION, "--covariate", "history"],
      /row 6, column "history": expected a number, got "n\/a"/,
    );
  });

  test("an unknown arm name names its row and column and the designed arms", async () => {
    const rows = [...GOOD_ROWS, "treatmnet,1,1,1"];
    await assertRefused(
      rows,
      ALLOCATION,
      /row 7, column "segment": unknown arm "treatmnet"; --allocation names "treatment", "control"/,
    );
  });

  test("an empty arm of the allocation is named with the arm column", async () => {
    await assertRefused(
      GOOD_ROWS,
      ["--allocation", "treatment=1,second=1,control=1"],
      /column "segment": arm "second" is empty: it has no rows; a readout needs at least 2 per arm/,
    );
  });

  test("an arm with a single row is too small to read out", async () => {
    const rows = [...GOOD_ROWS.slice(0, 1), ...GOOD_ROWS.slice(3)];
    await assertRefused(
      rows,
      ALLOCATION,
      /column "segment": arm "treatment" is too small: it has only 1 row; a readout needs at least 2/,
    );
  });

  test("a control arm not present in the file is named", async () => {
    const rows = GOOD_ROWS.filter((row) => row.startsWith("treatment"));
    await assertRefused(
      rows,
      ALLOCATION,
      /column "segment": the control arm "control" is not present: no row has it/,
    );
  });

  test("a control arm that is not in the allocation is named", async () => {
    await assertRefused(
      GOOD_ROWS,
      ["--allocation", "treatment=1,holdout=1"],
      /--control: "control" is not an arm of --allocation \("treatment", "holdout"\)/,
    );
  });

  test("a row with too many cells is reported with its line", async () => {
    const rows = [...GOOD_ROWS, "control,0,0,70,extra"];
    await assertRefused(rows, ALLOCATION, /line 8: not valid CSV/);
  });
});

describe("the importer lists every problem at once", () => {
  test("three bad cells give three problems, in row order", () => {
    const text = [HEADER, "treatment,x,1,1", "control,1,y,1", "nobody,1,1,1", ...GOOD_ROWS].join(
      "\n",
    );
    const error = captureError(() =>
      parseExperimentCsv(
        text,
        "e.csv",
        {
          arm: "segment",
          metrics: [
            { name: "visit", kind: "binary" },
            { name: "spend", kind: "continuous" },
          ],
        },
        {
          control: "control",
          allocation: new Map([
            ["treatment", 1],
            ["control", 1],
          ]),
        },
      ),
    );
    assert.deepEqual(
      error.problems.map((problem) => problem.where),
      ['row 1, column "visit"', 'row 2, column "spend"', 'row 3, column "segment"'],
    );
  });

  test("an arm whose rows all hold bad values is not called absent or empty", () => {
    const rows = ["treatment,1,1,1", "treatment,0,1,1", "control,x,1,1", "control,y,1,1"];
    const error = captureError(() =>
      parseExperimentCsv([HEADER, ...rows].join("\n"), "e.csv", VISIT, TWO_ARMS),
    );
    assert.deepEqual(
      error.problems.map((problem) => problem.where),
      ['row 3, column "visit"', 'row 4, column "visit"'],
    );
    assert.doesNotMatch(error.message, /not present|is empty|too small/);
  });

  test("a file with more problems than are checked says which rows were not checked", () => {
    const rows = Array.from({ length: 500 }, (_, index) => `control,${index + 2},0,0`);
    const error = captureError(() =>
      parseExperimentCsv([HEADER, ...GOOD_ROWS, ...rows].join("\n"), "e.csv", VISIT, TWO_ARMS),
    );
    // Rows 1 to 6 are good; rows 7 to 206 are the first 200 problems; 207 to 506 are not read.
    assert.equal(error.problems.length, 200);
    assert.equal(error.problems.at(-1)?.where, 'row 206, column "visit"');
    assert.match(error.message, /^e\.csv: 200 problems \(rows 207 to 506 not checked\), nothing/);
    assert.doesNotMatch(error.message, /not present|is empty|too small/);
  });
});

describe("a CSV file that is not there", () => {
  test("is refused naming each place looked, ASSENT_SHARED_DATA among them", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-proof-missing-"));
    const before = process.env.ASSENT_SHARED_DATA;
    try {
      process.env.ASSENT_SHARED_DATA = dir;
      const error = captureError(() => csvPath("no-such-experiment.csv"));
      assert.equal(error.problems[0]?.where, "--csv");
      assert.match(error.message, new RegExp(`${join(dir, "no-such-experiment.csv")}`));
      assert.match(error.message, /ASSENT_SHARED_DATA is "/);
      delete process.env.ASSENT_SHARED_DATA;
      const unset = captureError(() => csvPath("no-such-experiment.csv"));
      assert.match(unset.message, /set ASSENT_SHARED_DATA to the folder that holds it/);
    } finally {
      if (before === undefined) delete process.env.ASSENT_SHARED_DATA;
      else process.env.ASSENT_SHARED_DATA = before;
    }
  });
});

const VISIT = { arm: "segment", metrics: [{ name: "visit", kind: "binary" as const }] };
const TWO_ARMS = {
  control: "control",
  allocation: new Map([
    ["treatment", 1],
    ["control", 1],
  ]),
};

function captureError(action: () => unknown): ProofInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProofInputError) return error;
    throw error;
  }
  assert.fail("expected a ProofInputError");
}

describe("the assent binary", () => {
  test("a bad file: exit 1, the problem on stderr, no stack trace, no output file", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-proof-cli-"));
    const csv = join(dir, "experiment.csv");
    writeFileSync(csv, `${[HEADER, ...GOOD_ROWS, "control,1,oops,1"].join("\n")}\n`);
    const out = join(dir, "out.md");
    const args = [
      "--csv",
      csv,
      ...DESIGN,
      ...ALLOCATION,
      "--metric",
      "spend",
      "--format",
      "markdown",
    ];
    const result = spawnSync(
      process.execPath,
      ["bin/assent.js", "readout", ...args, "--out", out],
      {
        encoding: "utf8",
      },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /row 7, column "spend": expected a number, got "oops"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(existsSync(out), false);
  });
});
