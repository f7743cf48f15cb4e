/**
 * Plain-text tables of a training run, an evaluation and a split study, for the terminal.
 */

import type { QiniCurve, SliceEstimate, TargetingRow } from "./evaluate.ts";
import type { SplitStudy } from "./study.ts";
import type { Outcome } from "./two-model.ts";

/** Rows of cells as aligned columns; the first row is the header. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) =>
          index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A number for the outcome: rates with 4 decimals, spend with 3. */
function figure(outcome: Outcome, value: number): string {
  return Number.isFinite(value) ? value.toFixed(outcome === "spend" ? 3 : 4) : "n/a";
}

function interval(outcome: Outcome, slice: SliceEstimate): string {
  return `[${figure(outcome, slice.low)}, ${figure(outcome, slice.high)}]`;
}

/** The targeting table: incremental outcome per e-mailed customer, with 95% intervals. */
export function targetingText(rows: readonly TargetingRow[]): string {
  const header = ["outcome", "mailed", "by", "customers", "incremental", "95% interval"];
  const body = rows.map((row) => [
    row.outcome,
    `top ${Math.round(row.fraction * 100)}%`,
    row.strategy,
    String(row.customers),
    figure(row.outcome, row.incremental),
    interval(row.outcome, row),
  ]);
  return columns([header, ...body]);
}

/** Qini coefficients by outcome, ranking by uplift and by propensity. */
export function qiniText(
  qini: Readonly<Record<Outcome, { uplift: QiniCurve; propensity: QiniCurve }>>,
): string {
  const rows = (["visit", "conversion", "spend"] as const).map((outcome) => [
    outcome,
    qini[outcome].uplift.coefficient.toPrecision(4),
    qini[outcome].propensity.coefficient.toPrecision(4),
  ]);
  return columns([["Qini coefficient", "by uplift", "by propensity"], ...rows]);
}

/** The split study: per seed, then wins and means. */
export function studyText(study: SplitStudy): string {
  const percent = `${Math.round(study.share * 100)}%`;
  const header = ["seed", "uplift", "propensity", "random draw", "random (expected)"];
  const body = study.splits.map((split) => [
    String(split.seed),
    split.uplift.toFixed(4),
    split.propensity.toFixed(4),
    split.randomDraw.toFixed(4),
    split.randomExpected.toFixed(4),
  ]);
  const { means, wins } = study;
  const mean = ["mean", means.uplift, means.propensity, means.randomDraw, means.randomExpected];
  const n = study.splits.length;
  return [
    `Incremental visit rate when mailing the top ${percent} of held-out customers`,
    columns([
      header,
      ...body,
      mean.map((cell) => (typeof cell === "number" ? cell.toFixed(4) : cell)),
    ]),
    "",
    `uplift beat the expected random ${percent} in ${wins.overRandomExpected} of ${n} splits, ` +
      `one seeded random draw in ${wins.overRandomDraw} of ${n}, propensity in ${wins.overPropensity} of ${n}`,
  ].join("\n");
}
