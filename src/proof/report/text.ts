/** The readout as plain text for a terminal: aligned columns, no markup. */

import type { Readout } from "../readout/readout.ts";
import {
  armTable,
  contrastTable,
  cupedTable,
  overview,
  sampleRatioSentence,
  sampleRatioTable,
  type Table,
} from "./tables.ts";

/**
 * The readout as aligned text tables.
 *
 * @example process.stdout.write(readoutText(readout))
 */
export function readoutText(readout: Readout): string {
  const blocks = [
    overview(readout),
    sampleRatioSentence(readout),
    textTable(sampleRatioTable(readout)),
  ];
  for (const metric of readout.metrics) {
    blocks.push(`${metric.metric} (${metric.kind})`);
    blocks.push(textTable(armTable(metric, readout.confidence)));
    blocks.push(textTable(contrastTable(metric, readout.confidence)));
    const adjusted = cupedTable(metric, readout.confidence);
    if (adjusted !== undefined) blocks.push(textTable(adjusted));
  }
  return `${blocks.join("\n\n")}\n`;
}

/** Columns padded to their widest cell. */
export function textTable(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(table.headers),
    line(widths.map((width) => "-".repeat(width))),
    ...table.rows.map(line),
  ].join("\n");
}
