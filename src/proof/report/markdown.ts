/** The report as Markdown, with its charts as PNG files beside it. */

import { type Chart, fileSafe } from "./charts.ts";
import { sig } from "./format.ts";
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

/**
 * The report as Markdown. `charts` are referenced as `NAME.png` next to the file; pass none for
 * a text-only readout.
 *
 * @example reportMarkdown(input, charts) // "# Hillstrom …\n\n…"
 */
export function reportMarkdown(input: ReportInput, charts: readonly Chart[] = []): string {
  const image = (name: string) => {
    const chart = charts.find((candidate) => candidate.name === name);
    return chart === undefined ? [] : [`![${chart.caption}](${chart.name}.png)`];
  };
  const { readout } = input;
  const blocks = [
    `# ${escapeMarkdown(input.title)}`,
    `Data: \`${input.source}\`. ${escapeMarkdown(overview(readout))}.`,
    "## Sample ratio",
    escapeMarkdown(sampleRatioSentence(readout)),
    markdownTable(sampleRatioTable(readout)),
  ];
  for (const metric of readout.metrics) {
    blocks.push(
      `## ${escapeMarkdown(metric.metric)} (${metric.kind})`,
      ...image(`means-${fileSafe(metric.metric)}`),
    );
    blocks.push(markdownTable(armTable(metric, readout.confidence)));
    blocks.push(markdownTable(contrastTable(metric, readout.confidence)));
    const adjusted = cupedTable(metric, readout.confidence);
    if (adjusted !== undefined) blocks.push(markdownTable(adjusted));
  }
  if (input.value !== undefined) {
    const review = input.value;
    const verdicts = review.treatments.map(
      (value) => `- ${escapeMarkdown(verdictSentence(value, review))}`,
    );
    blocks.push("## Value review", verdicts.join("\n"));
    blocks.push(markdownTable(valueTable(review)), ...image("value"));
    blocks.push(
      valueAssumptionLines(review)
        .map((line) => `- ${escapeMarkdown(line)}`)
        .join("\n"),
    );
  }
  if (input.qini !== undefined) {
    const outcome = input.qini.outcome ?? "outcome";
    blocks.push(`## Uplift targeting (${escapeMarkdown(outcome)})`);
    blocks.push(`Qini coefficient ${sig(input.qini.coefficient)}.`, ...image("qini"));
  }
  blocks.push("## Method", METHOD_NOTES.map((note) => `- ${note}`).join("\n"));
  return `${blocks.join("\n\n")}\n`;
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(table: Table): string {
  const row = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [row(table.headers), row(table.headers.map(() => "---")), ...table.rows.map(row)].join(
    "\n",
  );
}

function escapeCell(text: string): string {
  return escapeMarkdown(text).replaceAll("|", "\\|");
}

/**
 * Keeps names from the data (arm names) from turning into markup: emphasis, code and HTML tags.
 * Brackets and a `<` before a digit stay as written; they make no markup.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_])/g, "\\$1").replace(/<(?=[A-Za-z/!?])/g, "\\<");
}
