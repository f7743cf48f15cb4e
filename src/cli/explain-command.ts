import { Command } from "commander";
import type { Decision } from "../engine/types.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { replayPlaybook, STARTER_PLAYBOOKS, type StarterPlaybook } from "../replay/replay.ts";
import { isoInstant, oneOf, wholeNumber } from "./options.ts";
import { renderDecision } from "./render.ts";

interface ExplainFlags {
  readonly dir: string;
  readonly playbook: StarterPlaybook;
  readonly subject?: string;
  readonly subjects: number;
  readonly days: number;
  readonly seed: number;
  readonly start: number;
  readonly limit: number;
  readonly all: boolean;
}

/** `assent explain`: one simulated subject's decisions, each with its explanation steps. */
export function explainCommand(): Command {
  return new Command("explain")
    .description(
      "replay a simulated stream and print one subject's decisions with their explanations",
    )
    .option("--dir <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--playbook <name>",
      "saas, insurance or retail",
      oneOf("--playbook", STARTER_PLAYBOOKS),
      "insurance",
    )
    .option("--subject <id>", "the subject id (default: the first subject with a decision)")
    .option("--subjects <n>", "simulated subjects", wholeNumber("--subjects", 1), 200)
    .option("--days <n>", "days of simulated time", wholeNumber("--days", 1), 30)
    .option("--seed <n>", "random seed", wholeNumber("--seed"), 1)
    .option(
      "--start <instant>",
      "first simulated instant",
      isoInstant("--start"),
      Date.parse("2025-01-06T00:00:00Z"),
    )
    .option("--limit <n>", "at most this many decisions", wholeNumber("--limit", 1), 20)
    .option("--all", "include events that matched no trigger (no_trigger_match)", false)
    .action((flags: ExplainFlags) => runExplain(flags));
}

function runExplain(flags: ExplainFlags): void {
  const deployment = loadDeploymentFromDir(flags.dir);
  const found: Decision[] = [];
  let subject = flags.subject;
  replayPlaybook(deployment, flags, (decision) => {
    if (!flags.all && decision.reason === "no_trigger_match") return;
    subject ??= decision.subjectId;
    if (decision.subjectId === subject && found.length < flags.limit) found.push(decision);
  });
  if (found.length === 0) {
    process.stderr.write(
      `no decisions for subject ${subject ?? "(none)"} in this replay; try another --subject or --seed\n`,
    );
    process.exitCode = 1;
    return;
  }
  const noun = found.length === 1 ? "decision" : "decisions";
  process.stdout.write(`subject ${subject}: ${found.length} ${noun}\n\n`);
  process.stdout.write(`${found.map(renderDecision).join("\n\n")}\n`);
}
