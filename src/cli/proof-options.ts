/**
 * Options shared by `assent readout` and `assent report`: which columns of the CSV file hold
 * the arm, the metrics and the covariate, and how the experiment was designed.
 */

import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ArmDesign, ColumnMapping } from "../proof/csv-import.ts";
import { readExperimentCsv } from "../proof/csv-import.ts";
import { ProofInputError } from "../proof/input-error.ts";
import type { MetricKind, MetricSpec, TTest } from "../proof/readout/readout.ts";
import { type Readout, readout } from "../proof/readout/readout.ts";
import { oneOf } from "./options.ts";

export interface ExperimentFlags {
  readonly csv: string;
  readonly arm: string;
  readonly metric: readonly MetricSpec[];
  readonly covariate?: string;
  readonly control: string;
  readonly allocation: ReadonlyMap<string, number>;
  readonly tTest: TTest;
  readonly confidence: number;
}

const KINDS: readonly MetricKind[] = ["binary", "continuous"];

/** Adds the experiment options to a command. */
export function experimentOptions(command: Command): Command {
  return command
    .requiredOption(
      "--csv <file>",
      "the experiment's CSV file, one row per subject with a header row; a relative path not found is looked up in ASSENT_SHARED_DATA",
    )
    .requiredOption("--arm <column>", "the column naming each subject's arm")
    .addOption(
      new Option(
        "--metric <column[:kind]>",
        "an outcome column; kind is binary (0/1: z-test) or continuous (t-test, the default). Repeat for more",
      )
        .argParser(metricSpec)
        .makeOptionMandatory(),
    )
    .option("--covariate <column>", "a pre-period column for CUPED variance reduction")
    .requiredOption("--control <arm>", "the control arm's name, as written in the arm column")
    .requiredOption(
      "--allocation <arm=share,...>",
      'the DESIGNED split the sample-ratio check tests against, e.g. "treatment=95,holdout=5"; every arm in the file must be named',
      allocation,
    )
    .addOption(
      new Option("--t-test <kind>", "t-test for continuous metrics")
        .choices(["welch", "student"])
        .default("welch"),
    )
    .option(
      "--confidence <level>",
      "confidence level of the intervals, 0.5 to 0.999",
      confidence,
      0.95,
    );
}

/** Reads the CSV file and computes the readout; throws before anything is written. */
export function readoutFromFlags(flags: ExperimentFlags): { readout: Readout; source: string } {
  const mapping: ColumnMapping = {
    arm: flags.arm,
    metrics: flags.metric,
    ...(flags.covariate === undefined ? {} : { covariate: flags.covariate }),
  };
  const design: ArmDesign = { control: flags.control, allocation: flags.allocation };
  const file = csvPath(flags.csv);
  const data = readExperimentCsv(file, mapping, design);
  const result = readout(data, { ...design, tTest: flags.tTest, confidence: flags.confidence });
  return { readout: result, source: file.split(/[\\/]/).at(-1) ?? file };
}

/**
 * The file as given, else (relative and missing) the same name in ASSENT_SHARED_DATA. A file
 * found in neither is refused naming every place looked at.
 */
export function csvPath(given: string): string {
  if (existsSync(given)) return given;
  const shared = process.env.ASSENT_SHARED_DATA;
  const candidate = isAbsolute(given) || shared === undefined ? undefined : join(shared, given);
  if (candidate !== undefined && existsSync(candidate)) return candidate;
  const looked = [resolve(given), ...(candidate === undefined ? [] : [resolve(candidate)])];
  const hint = isAbsolute(given)
    ? ""
    : shared === undefined
      ? "; set ASSENT_SHARED_DATA to the folder that holds it, or give its path"
      : ` (ASSENT_SHARED_DATA is "${shared}")`;
  throw new ProofInputError(given, [
    { where: "--csv", problem: `no such file: looked for ${looked.join(" and ")}${hint}` },
  ]);
}

/** `spend` or `visit:binary`, accumulated over repeats. */
function metricSpec(value: string, previous: readonly MetricSpec[] | undefined): MetricSpec[] {
  const colon = value.lastIndexOf(":");
  const named = colon < 0 ? undefined : value.slice(colon + 1);
  const kind = named === undefined ? "continuous" : oneOf("the kind in --metric", KINDS)(named);
  const name = colon < 0 ? value : value.slice(0, colon);
  if (name === "") throw new InvalidArgumentError(`--metric needs a column name, got "${value}"`);
  if (previous?.some((metric) => metric.name === name)) {
    throw new InvalidArgumentError(`--metric "${name}" is given twice`);
  }
  return [...(previous ?? []), { name, kind }];
}

/** `a=1,b=1,c=1` to a map in the written order. */
function allocation(value: string): Map<string, number> {
  const arms = new Map<string, number>();
  for (const part of value.split(",")) {
    const equals = part.lastIndexOf("=");
    const name = part.slice(0, equals).trim();
    const share = Number(part.slice(equals + 1));
    if (equals <= 0 || name === "" || !Number.isFinite(share) || share <= 0) {
      throw new InvalidArgumentError(
        `--allocation must be arm=share pairs with shares above 0, separated by commas (e.g. "treatment=95,holdout=5"); "${part}" is not`,
      );
    }
    if (arms.has(name)) throw new InvalidArgumentError(`--allocation names arm "${name}" twice`);
    arms.set(name, share);
  }
  return arms;
}

function confidence(value: string): number {
  const level = Number(value);
  if (!(level >= 0.5 && level <= 0.999)) {
    throw new InvalidArgumentError(
      `--confidence must be a number from 0.5 to 0.999, got "${value}"`,
    );
  }
  return level;
}

/** A number option at least `min` (a cost, a unit value, a share). */
export function numberAtLeast(name: string, min: number, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      const range = Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`;
      throw new InvalidArgumentError(`${name} must be a number ${range}, got "${value}"`);
    }
    return parsed;
  };
}

/** Any finite number (a unit value may be negative: a unit that costs). */
export function finiteNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed)) {
      throw new InvalidArgumentError(`${name} must be a number, got "${value}"`);
    }
    return parsed;
  };
}
