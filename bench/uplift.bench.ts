/**
 * Uplift training benchmark: the two-model estimator (visit, conversion and spend for the men's
 * e-mail and the no-e-mail arm, each pair fitted jointly, after the 3-fold cross-validation that
 * chooses the penalty on their difference) fitted on a seeded 50/50 split of
 * Hillstrom, against a reference in the same process: one pass over the same training rows
 * that computes each arm's mean outcomes (the least any fit must do). Target: training at most
 * 3 s. Run with `npm run bench`; the CSV from ASSENT_SHARED_DATA or ../shared/data.
 */
import { loadHillstrom } from "../src/proof/hillstrom/hillstrom.ts";
import { splitHalves } from "../src/proof/hillstrom/split.ts";
import { DEFAULT_UPLIFT_OPTIONS, trainTwoModel } from "../src/proof/uplift/two-model.ts";
import { sharedDataFile } from "../test/support/shared-data.ts";
import { envNumber, printBlock, verdict } from "./support.ts";

const RUNS = envNumber("BENCH_UPLIFT_RUNS", 5);
const TARGET_MS = 3000;

/** Median wall-clock milliseconds of `runs` calls. */
function median(runs: number, work: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const loadStarted = performance.now();
const customers = loadHillstrom(sharedDataFile("hillstrom.csv"));
const loadMs = performance.now() - loadStarted;
const { training } = splitHalves(customers, 1);

let sink = 0;
const referenceMs = median(RUNS, () => {
  const sums = { treated: [0, 0, 0, 0], control: [0, 0, 0, 0] };
  for (const c of training) {
    const arm = c.segment === "Mens E-Mail" ? sums.treated : sums.control;
    arm[0] = (arm[0] ?? 0) + 1;
    arm[1] = (arm[1] ?? 0) + (c.visit ? 1 : 0);
    arm[2] = (arm[2] ?? 0) + (c.conversion ? 1 : 0);
    arm[3] = (arm[3] ?? 0) + c.spend;
  }
  sink += sums.treated[1] ?? 0;
});
const trainingMs = median(RUNS, () => {
  sink += trainTwoModel(training, DEFAULT_UPLIFT_OPTIONS).treated.visit.intercept;
});

printBlock([
  ["uplift training", `${RUNS} runs on ${training.length} rows (seed 1), median`],
  ["load 64,000 rows", `${Math.round(loadMs)} ms (csv-parse and checks, once)`],
  ["reference pass", `${referenceMs.toFixed(2)} ms (arm means, one pass)`],
  [
    "training",
    `${Math.round(trainingMs)} ms (${Math.round(trainingMs / referenceMs)}x the reference pass)`,
  ],
  ["target", `training at most ${TARGET_MS} ms: ${verdict(trainingMs <= TARGET_MS)}`],
]);
if (!Number.isFinite(sink)) process.exitCode = 1;
