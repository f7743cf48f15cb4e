import { SingleBar } from "cli-progress";
import { Command } from "commander";
import type { Decision } from "../engine/types.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { replayPlaybook, STARTER_PLAYBOOKS, type StarterPlaybook } from "../replay/replay.ts";
import { DecisionTally } from "../replay/summary.ts";
import { isoInstant, oneOf, wholeNumber } from "./options.ts";

interface SimulateFlags {
  readonly dir: string;
  readonly playbook: StarterPlaybook | "all";
  readonly subjects: number;
  readonly days: number;
  readonly seed: number;
  readonly start: number;
  readonly json: boolean;
}

/** `assent simulate`: replay seeded streams through the starter playbooks and summarise. */
export function simulateCommand(): Command {
  return new Command("simulate")
    .description(
      "replay a seeded, simulated event stream through the playbooks and summarise the decisions",
    )
    .option("--dir <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--playbook <name>",
      "saas, insurance, retail or all",
      oneOf("--playbook", [...STARTER_PLAYBOOKS, "all" as const]),
      "all",
    )
    .option("--subjects <n>", "simulated subjects per playbook", wholeNumber("--subjects", 1), 1000)
    .option("--days <n>", "days of simulated time", wholeNumber("--days", 1), 30)
    .option(
      "--seed <n>",
      "random seed; the same seed gives the same stream",
      wholeNumber("--seed"),
      1,
    )
    .option(
      "--start <instant>",
      "first simulated instant",
      isoInstant("--start"),
      Date.parse("2025-01-06T00:00:00Z"),
    )
    .option("--json", "print each decision as one JSON line instead of the summary", false)
    .action((flags: SimulateFlags) => runSimulate(flags));
}

function runSimulate(flags: SimulateFlags): void {
  const deployment = loadDeploymentFromDir(flags.dir);
  const chosen = flags.playbook === "all" ? STARTER_PLAYBOOKS : [flags.playbook];
  for (const playbook of chosen) {
    const tally = new DecisionTally();
    const bar = progressBar(`${playbook}`);
    const onDecision = flags.json ? printJson : (decision: Decision) => tally.add(decision);
    const started = performance.now();
    const report = replayPlaybook(deployment, { ...flags, playbook }, onDecision, bar?.update);
    bar?.stop();
    if (flags.json) continue;
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `\n${playbook}: ${report.events} events for ${flags.subjects} subjects over ${flags.days} days ` +
        `(seed ${flags.seed}) gave ${report.decisions} decisions in ${ms} ms\n\n${tally.render()}\n`,
    );
  }
}

function printJson(decision: Decision): void {
  process.stdout.write(`${JSON.stringify(decision)}\n`);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(label: string) {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total} items`,
    stream: process.stderr,
  });
  let started = false;
  return {
    update: (done: number, total: number) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
