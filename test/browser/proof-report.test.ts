/**
 * The Hillstrom report opens in Chromium from file:// without a console error or page error,
 * fetching nothing but itself, with every chart drawn. A screenshot is kept in test-artifacts/
 * for a person to look at. Chromium must be at /usr/bin/chromium (CI installs it); without it
 * the test fails and says how to install it.
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { readExperimentCsv } from "../../src/proof/csv-import.ts";
import { readout } from "../../src/proof/readout/readout.ts";
import { buildReport, writeReportFiles } from "../../src/proof/report/build-report.ts";
import { findNode, valueAssumptions } from "../../src/proof/value/node-assumptions.ts";
import { valueReview } from "../../src/proof/value/value-review.ts";
import { exampleQiniCurve } from "../support/qini-example.ts";
import { sharedDataFile } from "../support/shared-data.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];
const ARTIFACTS = resolve("test-artifacts");

/** The report of the real file, valued with the retail campaign node, written to a folder. */
async function writeHillstromReport(): Promise<string> {
  const allocation = new Map([
    ["Mens E-Mail", 1],
    ["Womens E-Mail", 1],
    ["No E-Mail", 1],
  ]);
  const design = { control: "No E-Mail", allocation };
  const data = readExperimentCsv(
    sharedDataFile("hillstrom.csv"),
    {
      arm: "segment",
      metrics: [
        { name: "visit", kind: "binary" },
        { name: "spend", kind: "continuous" },
      ],
      covariate: "history",
    },
    design,
  );
  const result = readout(data, design);
  const node = findNode(loadDeploymentFromDir("examples"), "category-campaign");
  const value = valueReview(result, valueAssumptions(node, {}, ["visit", "spend"]));
  const files = await buildReport({
    title: "Hillstrom e-mail experiment",
    source: "hillstrom.csv",
    readout: result,
    value,
    qini: exampleQiniCurve(),
  });
  const dir = mkdtempSync(join(tmpdir(), "assent-browser-report-"));
  writeReportFiles(dir, files);
  return join(dir, "report.html");
}

describe("the HTML report in Chromium", () => {
  test("opens from file:// with no console or page errors and every chart drawn", async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``,
    );
    const page = await writeHillstromReport();
    const profile = mkdtempSync(join(tmpdir(), "assent-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
    try {
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      tab.on("pageerror", (error) => problems.push(`page: ${error.message}`));
      const requests: string[] = [];
      tab.on("request", (request) => requests.push(request.url()));
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
      // Self-contained: the page is the only thing the browser fetches.
      assert.deepEqual(requests, [pathToFileURL(page).href]);

      const charts = await tab.$$eval("figure[data-chart] svg", (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return {
            chart: svg.closest("figure")?.getAttribute("data-chart") ?? "",
            width: box.width,
            height: box.height,
            marks: svg.querySelectorAll("path, line, circle, rect").length,
          };
        }),
      );
      assert.deepEqual(
        charts.map((chart) => chart.chart),
        ["means-visit", "means-spend", "value", "qini"],
      );
      for (const chart of charts) {
        assert.ok(chart.width > 100 && chart.height > 50, `${chart.chart} is drawn at a size`);
        assert.ok(chart.marks > 5, `${chart.chart} has marks`);
      }
      assert.match((await tab.textContent("body")) ?? "", /pays back/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await tab.screenshot({ path: join(ARTIFACTS, "proof-report.png"), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
