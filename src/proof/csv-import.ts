/**
 * Reads an experiment from a CSV file: one row per subject, a column naming the subject's arm,
 * one column per metric and optionally a pre-period covariate. Every problem is collected and
 * reported at once, naming its row (data rows count from 1; the header is row 0) and column.
 */

import { readFileSync } from "node:fs";
import { CsvError, parse } from "csv-parse/sync";
import { type InputProblem, ProofInputError } from "./input-error.ts";
import type { ArmData, ExperimentData, MetricSpec } from "./readout/readout.ts";

/** Which columns hold what. */
export interface ColumnMapping {
  readonly arm: string;
  readonly metrics: readonly MetricSpec[];
  readonly covariate?: string;
}

/** The arms the experiment was designed with, and which is the control. */
export interface ArmDesign {
  readonly control: string;
  /** Arm name to designed weight, in the order arms are reported. */
  readonly allocation: ReadonlyMap<string, number>;
}

/** Problems past this many stop the scan: the file is clearly not what was meant. */
const MAX_PROBLEMS = 200;

const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Reads and checks `file`. Throws a `ProofInputError` listing every problem.
 *
 * @example readExperimentCsv("hillstrom.csv", { arm: "segment", metrics: [{ name: "spend",
 *   kind: "continuous" }] }, { control: "No E-Mail", allocation })
 */
export function readExperimentCsv(
  file: string,
  mapping: ColumnMapping,
  design: ArmDesign,
): ExperimentData {
  return parseExperimentCsv(readFileSync(file, "utf8"), file, mapping, design);
}

/** As `readExperimentCsv`, from text already read; `source` names it in errors. */
export function parseExperimentCsv(
  text: string,
  source: string,
  mapping: ColumnMapping,
  design: ArmDesign,
): ExperimentData {
  const designProblems = checkArmDesign(design);
  if (designProblems.length > 0) throw new ProofInputError(source, designProblems);

  const rows = parseRows(text, source);
  const columns = locateColumns(rows[0] ?? [], mapping);
  if ("problems" in columns) throw new ProofInputError(source, columns.problems);

  const collected = collectRows(rows, columns, mapping, design);
  if (collected.unchecked !== undefined) {
    throw new ProofInputError(source, collected.problems, collected.unchecked);
  }
  const problems = [...collected.problems, ...armProblems(collected.arms, mapping, design)];
  if (problems.length > 0) throw new ProofInputError(source, problems);
  return experimentData(collected.arms, mapping);
}

function checkArmDesign(design: ArmDesign): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [arm, weight] of design.allocation) {
    if (!(Number.isFinite(weight) && weight > 0)) {
      problems.push({ where: "--allocation", problem: `arm "${arm}" needs a share above 0` });
    }
  }
  if (!design.allocation.has(design.control)) {
    problems.push({
      where: "--control",
      problem: `"${design.control}" is not an arm of --allocation (${quoted([...design.allocation.keys()])})`,
    });
  }
  if (design.allocation.size < 2) {
    problems.push({
      where: "--allocation",
      problem: "name at least two arms, the control and a treatment",
    });
  }
  return problems;
}

function parseRows(text: string, source: string): string[][] {
  try {
    const rows: string[][] = parse(text, { bom: true, skip_empty_lines: true });
    if (rows.length === 0) {
      throw new ProofInputError(source, [
        { where: "row 0", problem: "the file is empty; expected a header row" },
      ]);
    }
    return rows;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const where = typeof error.lines === "number" ? `line ${error.lines}` : "the file";
    throw new ProofInputError(source, [{ where, problem: `not valid CSV: ${error.message}` }]);
  }
}

interface Columns {
  readonly arm: number;
  readonly metrics: readonly number[];
  readonly covariate?: number;
}

function locateColumns(
  header: readonly string[],
  mapping: ColumnMapping,
): Columns | { problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const find = (name: string, option: string): number => {
    const index = header.indexOf(name);
    if (index < 0) {
      problems.push({
        where: `row 0 (header), column "${name}"`,
        problem: `no such column (named by ${option}); the header has ${quoted(header)}`,
      });
    }
    return index;
  };
  const arm = find(mapping.arm, "--arm");
  const metrics = mapping.metrics.map((metric) => find(metric.name, "--metric"));
  const covariate =
    mapping.covariate === undefined ? undefined : find(mapping.covariate, "--covariate");
  if (problems.length > 0) return { problems };
  return { arm, metrics, ...(covariate === undefined ? {} : { covariate }) };
}

/** One arm's values as they are read, and how many rows name it (good values or not). */
interface ArmColumns {
  readonly metrics: number[][];
  readonly covariate: number[];
  rows: number;
}

/** The rows read: each arm's values, the problems, and the rows left unread after too many. */
interface CollectedRows {
  readonly arms: Map<string, ArmColumns>;
  readonly problems: InputProblem[];
  readonly unchecked?: string;
}

function collectRows(
  rows: readonly string[][],
  columns: Columns,
  mapping: ColumnMapping,
  design: ArmDesign,
): CollectedRows {
  const arms = new Map<string, ArmColumns>(
    [...design.allocation.keys()].map((name) => [
      name,
      { metrics: mapping.metrics.map(() => []), covariate: [], rows: 0 },
    ]),
  );
  const problems: InputProblem[] = [];
  let row = 1;
  for (; row < rows.length && problems.length < MAX_PROBLEMS; row += 1) {
    const cells = rows[row] ?? [];
    const armName = cells[columns.arm] ?? "";
    const arm = arms.get(armName);
    if (arm === undefined) {
      problems.push(unknownArm(row, mapping.arm, armName, design));
      continue;
    }
    arm.rows += 1;
    readCells(cells, row, columns, mapping, arm, problems);
  }
  if (rows.length <= 1)
    problems.push({ where: "row 1", problem: "the file has a header but no data rows" });
  if (row >= rows.length) return { arms, problems };
  return { arms, problems, unchecked: `rows ${row} to ${rows.length - 1}` };
}

function readCells(
  cells: readonly string[],
  row: number,
  columns: Columns,
  mapping: ColumnMapping,
  arm: ArmColumns,
  problems: InputProblem[],
): void {
  mapping.metrics.forEach((metric, index) => {
    const text = cells[columns.metrics[index] ?? -1] ?? "";
    const value = metricValue(text, metric);
    if (typeof value === "string") problems.push({ where: at(row, metric.name), problem: value });
    else arm.metrics[index]?.push(value);
  });
  if (columns.covariate === undefined || mapping.covariate === undefined) return;
  const text = cells[columns.covariate] ?? "";
  const value = numberValue(text);
  if (typeof value === "string")
    problems.push({ where: at(row, mapping.covariate), problem: value });
  else arm.covariate.push(value);
}

/** The cell's value, or what was wrong with it. */
function metricValue(text: string, metric: MetricSpec): number | string {
  const value = numberValue(text);
  if (typeof value === "string" || metric.kind === "continuous") return value;
  if (value === 0 || value === 1) return value;
  return `expected 0 or 1 for the binary metric, got "${text}"`;
}

function numberValue(text: string): number | string {
  if (text.trim() === "") return "empty; expected a number";
  if (!DECIMAL.test(text)) return `expected a number, got "${text}"`;
  return Number(text);
}

function unknownArm(row: number, column: string, name: string, design: ArmDesign): InputProblem {
  const known = quoted([...design.allocation.keys()]);
  const problem =
    name === ""
      ? `empty; expected an arm name (${known})`
      : `unknown arm "${name}"; --allocation names ${known}`;
  return { where: at(row, column), problem };
}

function armProblems(
  arms: ReadonlyMap<string, ArmColumns>,
  mapping: ColumnMapping,
  design: ArmDesign,
): InputProblem[] {
  const where = `column "${mapping.arm}"`;
  return [...arms].flatMap(([name, arm]): InputProblem[] => {
    const n = arm.rows;
    if (n >= 2) return [];
    if (name === design.control && n === 0) {
      return [{ where, problem: `the control arm "${name}" is not present: no row has it` }];
    }
    const size = n === 0 ? "is empty: it has no rows" : "is too small: it has only 1 row";
    return [{ where, problem: `arm "${name}" ${size}; a readout needs at least 2 per arm` }];
  });
}

function experimentData(
  arms: ReadonlyMap<string, ArmColumns>,
  mapping: ColumnMapping,
): ExperimentData {
  const data: ArmData[] = [...arms].map(([name, arm]) => ({
    name,
    metrics: new Map(
      mapping.metrics.map((metric, index) => [
        metric.name,
        Float64Array.from(arm.metrics[index] ?? []),
      ]),
    ),
    ...(mapping.covariate === undefined ? {} : { covariate: Float64Array.from(arm.covariate) }),
  }));
  return {
    metrics: mapping.metrics,
    arms: data,
    ...(mapping.covariate === undefined ? {} : { covariate: mapping.covariate }),
  };
}

function at(row: number, column: string): string {
  return `row ${row}, column "${column}"`;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}
