import { SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import type { Decision } from "../engine/types.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { replayPlaybook, STARTER_PLAYBOOKS, type StarterPlaybook } from "../replay/replay.ts";
import { writeReplayFile } from "../replay/replay-file.ts";
import { DecisionTally } from "../replay/summary.ts";
import { simulateStream } from "../simulator/index.ts";
import { isoInstant, oneOf, wholeNumber } from "./options.ts";
import { renderDecision } from "./render.ts";
import { reportAppError } from "./report-error.ts";

const DEFAULT_START = "2025-01-06T00:00:00Z";

interface SimulateFlags {
  readonly playbooks: string;
  readonly playbook: StarterPlaybook | "all";
  readonly subjects: number;
  readonly days: number;
  readonly seed: number;
  readonly start: number;
  readonly json: boolean;
  readonly out?: string;
  readonly subject?: string;
}

/** `assent simulate`: seeded streams for the starter playbooks, decided in memory or written out. */
export function simulateCommand(): Command {
  return new Command("simulate")
    .description(
      "generate a seeded, simulated event stream; decide it in memory and summarise, or write it as a replay file with --out",
    )
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
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
    .addOption(
      new Option("--start <instant>", "first simulated instant")
        .argParser(isoInstant("--start"))
        .default(Date.parse(DEFAULT_START), DEFAULT_START),
    )
    .option(
      "--out <file>",
      "write the stream as a replay file (for `assent replay`) instead of deciding it",
    )
    .option("--subject <id>", "print this subject's decisions with their explanations")
    .option("--json", "print each decision as one JSON line instead of the summary", false)
    .action((flags: SimulateFlags) => reportAppError(() => runSimulate(flags)));
}

async function runSimulate(flags: SimulateFlags): Promise<void> {
  const chosen = flags.playbook === "all" ? STARTER_PLAYBOOKS : [flags.playbook];
  if (flags.out !== undefined) return writeStream(flags, chosen, flags.out);
  const deployment = loadDeploymentFromDir(flags.playbooks);
  for (const playbook of chosen) {
    const tally = new DecisionTally();
    const explained: Decision[] = [];
    const onDecision = (decision: Decision) => {
      if (flags.json) process.stdout.write(`${JSON.stringify(decision)}\n`);
      else if (flags.subject === undefined) tally.add(decision);
      else if (decision.subjectId === flags.subject && decision.reason !== "no_trigger_match")
        explained.push(decision);
    };
    const bar = progressBar(playbook);
    const started = performance.now();
    const report = replayPlaybook(deployment, { ...flags, playbook }, onDecision, bar?.update);
    bar?.stop();
    if (flags.json) continue;
    if (flags.subject !== undefined) {
      process.stdout.write(
        `${playbook}: subject ${flags.subject}, ${explained.length} decisions\n\n`,
      );
      process.stdout.write(`${explained.map(renderDecision).join("\n\n")}\n`);
      continue;
    }
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `\n${playbook}: ${report.events} events for ${flags.subjects} subjects over ${flags.days} days ` +
        `(seed ${flags.seed}) gave ${report.decisions} decisions in ${ms} ms\n\n${tally.render()}\n`,
    );
  }
}

async function writeStream(flags: SimulateFlags, chosen: readonly StarterPlaybook[], out: string) {
  if (chosen.length !== 1) {
    throw new Error("--out writes one playbook's stream: add --playbook saas, insurance or retail");
  }
  const [playbook = "saas"] = chosen;
  const items = simulateStream({ ...flags, playbook });
  const count = await writeReplayFile(out, items);
  process.stdout.write(
    `wrote ${count} items (${playbook}, ${flags.subjects} subjects, ${flags.days} days, seed ${flags.seed}) to ${out}\n`,
  );
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
