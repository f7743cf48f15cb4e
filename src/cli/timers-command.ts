import { Command } from "commander";
import { openStore } from "../store/open-store.ts";
import type { Timer } from "../timers/timer.ts";
import { reportAppError } from "./report-error.ts";
import { pseudonymousSubject } from "./subject-argument.ts";

/** `assent timers SUBJECT_ID`: a subject's pending timers and why each exists. */
export function timersCommand(): Command {
  return new Command("timers")
    .description("list a subject's pending timers, soonest first, with why each exists")
    .argument("<subjectId>", "the subject whose timers to list")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .option("--json", "print the timers as JSON", false)
    .action((subjectId: string, flags: { db?: string; json: boolean }) =>
      reportAppError(() => runTimers(subjectId, flags)),
    );
}

async function runTimers(subjectId: string, flags: { db?: string; json: boolean }) {
  pseudonymousSubject(subjectId);
  const store = await openStore(flags.db, { readOnly: true });
  try {
    const timers = await store.timersOf(subjectId);
    const text = flags.json
      ? JSON.stringify(timers.map(timerJson), null, 2)
      : render(subjectId, timers);
    process.stdout.write(`${text}\n`);
  } finally {
    await store.close();
  }
}

function timerJson(timer: Timer) {
  const iso = (at: number) => new Date(at).toISOString();
  return {
    ...timer,
    dueAt: iso(timer.dueAt),
    causeAt: iso(timer.causeAt),
    createdAt: iso(timer.createdAt),
  };
}

function render(subjectId: string, timers: readonly Timer[]): string {
  if (timers.length === 0) return `subject ${subjectId} has no pending timers`;
  const lines = [`subject ${subjectId}: ${timers.length} pending timer(s)`];
  for (const timer of timers) {
    const due = new Date(timer.dueAt).toISOString();
    lines.push(`  ${due}  ${timer.nodeId.padEnd(32)} ${timer.why}  [${timer.timerId}]`);
  }
  return lines.join("\n");
}
