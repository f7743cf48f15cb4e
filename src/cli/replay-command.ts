import { createWriteStream } from "node:fs";
import { SingleBar } from "cli-progress";
import { Command } from "commander";
import { createApp } from "../app/app.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { checkReplayFile, replayDurably } from "../replay/durable-replay.ts";
import { openStore } from "../store/open-store.ts";
import { wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";

interface ReplayFlags {
  readonly playbooks: string;
  readonly db?: string;
  readonly group: number;
  readonly out?: string;
}

/** `assent replay FILE`: the full pipeline over a recorded stream, event times as the clock. */
export function replayCommand(): Command {
  return new Command("replay")
    .description(
      "run a replay file (NDJSON of events and consent records) through the full pipeline, with the event times as the clock",
    )
    .argument("<file>", "the replay file; see README.md, 'The replay file'")
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .option("--group <n>", "events per transaction (group commit)", wholeNumber("--group", 1), 500)
    .option(
      "--out <file>",
      "also write each event's decisions as NDJSON (and timer firings as {clock: true} lines)",
    )
    .action((file: string, flags: ReplayFlags) => reportAppError(() => runReplay(file, flags)));
}

async function runReplay(file: string, flags: ReplayFlags): Promise<void> {
  const deployment = loadDeploymentFromDir(flags.playbooks);
  const checked = await checkReplayFile(file, deployment.catalog);
  const store = await openStore(flags.db);
  const app = createApp({ store, deployment, clock: Date.now });
  const out = flags.out === undefined ? undefined : createWriteStream(flags.out);
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: "replay [{bar}] {percentage}% {value}/{total} items",
        stream: process.stderr,
      })
    : undefined;
  let started = false;
  try {
    const report = await replayDurably(
      app,
      deployment.catalog,
      file,
      {
        groupSize: flags.group,
        onProgress: (done, total) => {
          if (!started) bar?.start(total, 0);
          started = true;
          bar?.update(done);
        },
        onOutcome:
          out === undefined ? undefined : (outcome) => out.write(`${JSON.stringify(outcome)}\n`),
        // Timer firings and re-decided deferrals: a line of their own, with no event.
        onClock:
          out === undefined
            ? undefined
            : (decisions) => out.write(`${JSON.stringify({ clock: true, decisions })}\n`),
      },
      checked,
    );
    bar?.stop();
    const rate = Math.round(report.events / (report.elapsedMs / 1000));
    // The replayed clock stops at the file's last item: timers due later wait for `serve`.
    const { pending } = await store.timerStats(Date.now());
    process.stdout.write(
      `${report.events} events (${report.duplicates} duplicates) gave ${report.decisions} decisions in ` +
        `${Math.round(report.elapsedMs)} ms (${rate} events/s); ${report.pendingDeferrals} deferred decisions ` +
        `and ${pending} timers still pending\n` +
        `store: ${store.kind} at ${store.location}\n\n${report.tally.render()}\n`,
    );
  } finally {
    bar?.stop();
    out?.end();
    await store.close();
  }
}
