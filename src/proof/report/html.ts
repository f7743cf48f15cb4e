/**
 * The report as one self-contained HTML page: styles inline, charts as inline SVG drawn on the
 * server, no scripts and nothing fetched, so the file opens anywhere and can be mailed.
 */

import { fileSafe } from "./charts.ts";
import { sig } from "./format.ts";
import type { RenderedChart } from "./render-chart.ts";
import type { ReportInput } from "./report-input.ts";
import {
  armTable,
  contrastTable,
  cupedTable,
  METHOD_NOTES,
  overview,
  sampleRatioSentence,
  sampleRatioTable,
  type Table,
  valueAssumptionLines,
  valueTable,
  verdictSentence,
} from "./tables.ts";

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }
th { background: #f4f6f8; }
td { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #555; }
.alarm { background: #fdecea; border-left: 4px solid #c0392b; padding: .6rem 1rem; }
.ok { background: #eef7ee; border-left: 4px solid #2e7d32; padding: .6rem 1rem; }
.notes { font-size: .85rem; color: #444; }
`;

/**
 * The page. `charts` are inlined where their section is.
 *
 * @example writeFileSync("report.html", reportHtml(input, rendered))
 */
export function reportHtml(input: ReportInput, charts: readonly RenderedChart[]): string {
  const figure = (name: string) => {
    const found = charts.find((rendered) => rendered.chart.name === name);
    if (found === undefined) return "";
    return `<figure data-chart="${escapeHtml(name)}" aria-label="${escapeHtml(found.chart.caption)}">${found.svg}<figcaption>${escapeHtml(found.chart.caption)}</figcaption></figure>`;
  };
  const { readout } = input;
  const alarm = readout.sampleRatio.alarm;
  const parts = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p>Data: <code>${escapeHtml(input.source)}</code>. ${escapeHtml(overview(readout))}.</p>`,
    "<h2>Sample ratio</h2>",
    `<p class="${alarm ? "alarm" : "ok"}">${escapeHtml(sampleRatioSentence(readout))}</p>`,
    htmlTable(sampleRatioTable(readout)),
  ];
  for (const metric of readout.metrics) {
    parts.push(`<h2>${escapeHtml(metric.metric)} (${metric.kind})</h2>`);
    parts.push(figure(`means-${fileSafe(metric.metric)}`));
    parts.push(htmlTable(armTable(metric, readout.confidence)));
    parts.push(htmlTable(contrastTable(metric, readout.confidence)));
    const adjusted = cupedTable(metric, readout.confidence);
    if (adjusted !== undefined) parts.push(htmlTable(adjusted));
  }
  if (input.value !== undefined) parts.push(...valueSection(input.value, figure("value")));
  if (input.qini !== undefined) {
    parts.push(`<h2>Uplift targeting (${escapeHtml(input.qini.outcome ?? "outcome")})</h2>`);
    parts.push(
      `<p>Qini coefficient ${escapeHtml(sig(input.qini.coefficient))}.</p>`,
      figure("qini"),
    );
  }
  parts.push("<h2>Method</h2>", list(METHOD_NOTES, "notes"));
  return page(input.title, parts.join("\n"));
}

function valueSection(review: NonNullable<ReportInput["value"]>, chart: string): string[] {
  return [
    "<h2>Value review</h2>",
    list(review.treatments.map((value) => verdictSentence(value, review))),
    htmlTable(valueTable(review)),
    chart,
    list(valueAssumptionLines(review), "notes"),
  ];
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** A table with a header row. */
export function htmlTable(table: Table): string {
  const head = table.headers.map((header) => `<th>${escapeHtml(header)}</th>`).join("");
  const rows = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
}

function list(items: readonly string[], className?: string): string {
  const open = className === undefined ? "<ul>" : `<ul class="${className}">`;
  return `${open}${items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`;
}

/** Text from the data (arm and metric names) never becomes markup. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
