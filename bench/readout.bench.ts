/**
 * Readout benchmark: the full readout of the 64,000 Hillstrom rows (three arms; visit and
 * conversion as binary metrics, spend as continuous; CUPED on history for every contrast),
 * against a reference in the same process: one bare pass summing the same values, the least
 * any readout must do. The CSV import (csv-parse and the row checks) is timed beside it.
 * Target: the readout in at most 200 ms. Data from ASSENT_SHARED_DATA or ../shared/data.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { readExperimentCsv } from "../src/proof/csv-import.ts";
import { type ExperimentData, readout } from "../src/proof/readout/readout.ts";
import { envNumber, printBlock, verdict } from "./support.ts";

const RUNS = envNumber("BENCH_READOUT_RUNS", 15);
const TARGET_MS = 200;

const allocation = new Map([
  ["Mens E-Mail", 1],
  ["Womens E-Mail", 1],
  ["No E-Mail", 1],
]);
const design = { control: "No E-Mail", allocation };

function hillstromFile(): string {
  const dir = process.env.ASSENT_SHARED_DATA ?? resolve("..", "shared", "data");
  const file = join(dir, "hillstrom.csv");
  if (!existsSync(file)) throw new Error(`${file} not found: set ASSENT_SHARED_DATA`);
  return file;
}

function importHillstrom(file: string): ExperimentData {
  return readExperimentCsv(
    file,
    {
      arm: "segment",
      metrics: [
        { name: "visit", kind: "binary" },
        { name: "conversion", kind: "binary" },
        { name: "spend", kind: "continuous" },
      ],
      covariate: "history",
    },
    design,
  );
}

/** One pass over every value the readout reads; returns the sum so it is not optimised away. */
function bareSum(data: ExperimentData): number {
  let sum = 0;
  for (const arm of data.arms) {
    for (const values of [...arm.metrics.values(), arm.covariate ?? new Float64Array()]) {
      for (let i = 0; i < values.length; i += 1) sum += values[i] ?? 0;
    }
  }
  return sum;
}

/** Median milliseconds of `runs` calls, after two warm-up calls. */
function medianMs(runs: number, work: () => unknown): number {
  work();
  work();
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const file = hillstromFile();
const importStart = performance.now();
const data = importHillstrom(file);
const importMs = performance.now() - importStart;
const rows = data.arms.reduce((sum, arm) => sum + (arm.covariate?.length ?? 0), 0);

const readoutMs = medianMs(RUNS, () => readout(data, design));
const referenceMs = medianMs(RUNS, () => bareSum(data));

printBlock([
  [
    "readout benchmark",
    `${rows.toLocaleString("en-US")} Hillstrom rows, 3 metrics, CUPED, median of ${RUNS}`,
  ],
  ["readout", `${readoutMs.toFixed(1)} ms`],
  ["reference: one summing pass", `${referenceMs.toFixed(2)} ms`],
  ["readout / reference", `${(readoutMs / referenceMs).toFixed(1)}x`],
  ["CSV import (once, cold)", `${importMs.toFixed(0)} ms`],
  ["target: readout <= 200 ms", verdict(readoutMs <= TARGET_MS)],
]);
