/**
 * Builds every file of a report in memory — report.md, report.html and one PNG per chart —
 * and writes them only once all are ready, each through a temporary name, so that a failure
 * leaves nothing half-written.
 */

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { armMeansChart, type Chart, cumulativeValueChart, qiniChart } from "./charts.ts";
import { reportHtml } from "./html.ts";
import { reportMarkdown } from "./markdown.ts";
import { type RenderedChart, renderChart } from "./render-chart.ts";
import type { ReportInput } from "./report-input.ts";

/** A file of the report: its name in the output folder and its contents. */
export interface ReportFile {
  readonly name: string;
  readonly content: string | Uint8Array;
}

/**
 * The report's charts: arm means per metric, cumulative value with a value review, the Qini
 * curve when one is given.
 */
export function reportCharts(input: ReportInput): Chart[] {
  const { readout } = input;
  const charts = readout.metrics.map((metric) =>
    armMeansChart(metric, readout.control, readout.confidence),
  );
  if (input.value !== undefined) charts.push(cumulativeValueChart(input.value));
  if (input.qini !== undefined) charts.push(qiniChart(input.qini, input.qini.outcome ?? "outcome"));
  return charts;
}

/**
 * All files of the report.
 *
 * @example (await buildReport(input)).map((file) => file.name) // ["report.md", "report.html", "means-visit.png", …]
 */
export async function buildReport(input: ReportInput): Promise<ReportFile[]> {
  const charts = reportCharts(input);
  const rendered: RenderedChart[] = [];
  for (const chart of charts) rendered.push(await renderChart(chart));
  return [
    { name: "report.md", content: reportMarkdown(input, charts) },
    { name: "report.html", content: reportHtml(input, rendered) },
    ...rendered.map(({ chart, png }) => ({ name: `${chart.name}.png`, content: png })),
  ];
}

/**
 * Writes files into `dir` (created if missing): each to a temporary name first, then all
 * renamed into place, so a write that fails leaves no partial report.
 */
export function writeReportFiles(dir: string, files: readonly ReportFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const staged: [string, string][] = [];
  try {
    for (const file of files) {
      const final = join(dir, file.name);
      const temporary = `${final}.${process.pid}.tmp`;
      writeFileSync(temporary, file.content);
      staged.push([temporary, final]);
    }
  } catch (error) {
    for (const [temporary] of staged) rmSync(temporary, { force: true });
    throw error;
  }
  for (const [temporary, final] of staged) renameSync(temporary, final);
  return staged.map(([, final]) => final);
}

/** Writes one file through a temporary name. */
export function writeFileAtomically(path: string, content: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
