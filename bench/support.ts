import { writeReplayFile } from "../src/replay/replay-file.ts";
import { simulateStream } from "../src/simulator/index.ts";

/** Day 0 of every simulated stream the benchmarks replay: a Monday, at UTC midnight. */
const START = Date.parse("2025-01-06T00:00:00Z");

/** A whole number from the environment (e.g. `BENCH_REPLAY_SUBJECTS=500`), else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a number > 0`);
  return value;
}

/** A simulated SaaS stream written as a replay file; returns the number of lines. */
export function writeSaasReplay(path: string, subjects: number, days: number): Promise<number> {
  const stream = simulateStream({ playbook: "saas", subjects, days, seed: 42, start: START });
  return writeReplayFile(path, stream);
}

/** A rate or count for people: whole and grouped by thousands. */
export function format(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** `met` or `NOT met`, for the targets line. */
export function verdict(met: boolean): string {
  return met ? "met" : "NOT met";
}

/** Aligned `label  value` lines, printed as one block. */
export function printBlock(rows: readonly (readonly [string, string])[]): void {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}${value}`);
  process.stdout.write(`${lines.join("\n")}\n\n`);
}
