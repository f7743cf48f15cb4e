/**
 * The report's files: Markdown and a self-contained HTML page with server-rendered charts (arm
 * means, cumulative value, the Qini curve when given) and one PNG per chart.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { readout } from "../../../src/proof/readout/readout.ts";
import {
  buildReport,
  type ReportFile,
  writeReportFiles,
} from "../../../src/proof/report/build-report.ts";
import type { ReportInput } from "../../../src/proof/report/report-input.ts";
import { valueReview } from "../../../src/proof/value/value-review.ts";
import { exampleQiniCurve } from "../../support/qini-example.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const ODD_ARM = '<b>Mail & "friends"</b>';

function input(withQini: boolean): ReportInput {
  const arm = (name: string, values: number[]) => ({
    name,
    metrics: new Map([["spend", Float64Array.from(values)]]),
  });
  const result = readout(
    {
      metrics: [{ name: "spend", kind: "continuous" }],
      arms: [arm(ODD_ARM, [3, 4, 5, 6, 7, 8]), arm("holdout", [1, 2, 3, 2, 1, 3])],
    },
    {
      control: "holdout",
      allocation: new Map([
        [ODD_ARM, 1],
        ["holdout", 1],
      ]),
    },
  );
  const value = valueReview(result, {
    metric: "spend",
    unitValue: 0.35,
    better: "higher",
    perMessage: 0.001,
    perInference: 0.0001,
    monthlyFixed: 400,
    runningCostShare: 1,
    oneOff: 0,
    paybackMonths: 2,
    sendsPerMonth: 20000,
    sources: ["node category-campaign of playbook retail v1"],
  });
  return {
    title: "Small experiment",
    source: "small.csv",
    readout: result,
    value,
    ...(withQini ? { qini: exampleQiniCurve() } : {}),
  };
}

function file(files: readonly ReportFile[], name: string): ReportFile {
  const found = files.find((candidate) => candidate.name === name);
  assert.ok(found, `${name} in the report`);
  return found;
}

function text(files: readonly ReportFile[], name: string): string {
  const { content } = file(files, name);
  assert.equal(typeof content, "string");
  return String(content);
}

describe("the report", () => {
  let files: ReportFile[] = [];
  let withoutQini: ReportFile[] = [];

  before(async () => {
    files = await buildReport(input(true));
    withoutQini = await buildReport(input(false));
  });

  test("writes report.md, report.html and a PNG per chart (means, value, Qini)", () => {
    assert.deepEqual(
      files.map((written) => written.name),
      ["report.md", "report.html", "means-spend.png", "value.png", "qini.png"],
    );
    for (const name of ["means-spend.png", "value.png", "qini.png"]) {
      const { content } = file(files, name);
      assert.ok(content instanceof Uint8Array && content.length > 1000, name);
      assert.deepEqual([...content.subarray(0, 4)], PNG_SIGNATURE);
    }
  });

  test("without a Qini curve there is no Qini chart or section", () => {
    assert.equal(
      withoutQini.some((written) => written.name === "qini.png"),
      false,
    );
    assert.doesNotMatch(text(withoutQini, "report.md"), /Qini/);
  });

  test("the Markdown states the verdict, the sample ratio and links the charts", () => {
    const markdown = text(files, "report.md");
    assert.match(markdown, /## Value review/);
    assert.match(markdown, /pays back|does not pay back/);
    assert.match(markdown, /Sample ratio as designed \(chi-square 0, df 1, p 1;/);
    assert.match(markdown, /!\[spend: mean per arm with 95% intervals\]\(means-spend\.png\)/);
    assert.match(markdown, /\(value\.png\)/);
    assert.match(markdown, /Qini coefficient 0\.0123\./);
    assert.match(markdown, /\\<b>Mail & "friends"\\<\/b>/, "arm names do not become HTML");
  });

  test("the HTML page is self-contained: charts as inline SVG, no script, nothing fetched", () => {
    const html = text(files, "report.html");
    assert.equal(html.match(/<figure data-chart="[^"]+"[^>]*><svg/g)?.length, 3);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link /i);
    assert.match(html, /&lt;b&gt;Mail &amp; &quot;friends&quot;&lt;\/b&gt;/);
    assert.doesNotMatch(html, /<b>Mail/);
  });

  test("files are written together into a new folder, with no temporary names left", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "assent-report-")), "out");
    const written = writeReportFiles(dir, files);
    assert.equal(written.length, files.length);
    assert.deepEqual(readdirSync(dir).sort(), files.map((f) => f.name).sort());
    assert.equal(readFileSync(join(dir, "report.md"), "utf8"), text(files, "report.md"));
    assert.ok(existsSync(join(dir, "qini.png")));
  });
});
