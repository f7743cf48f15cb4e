import { Command } from "commander";
import { type ChainBreak, verifyLog } from "../decision-log/verify.ts";
import { openStore } from "../store/open-store.ts";
import { reportAppError } from "./report-error.ts";

/** `assent log verify`: walk every hash chain of the decision log. */
export function logCommand(): Command {
  const log = new Command("log").description("the hash-chained decision log");
  log
    .command("verify")
    .description(
      "check every partition's chain; print OK with counts, or the first record that was changed, removed, inserted or reordered. Needs no master key (the hashes cover the sealed bytes) and makes none",
    )
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .action((flags: { db?: string }) => reportAppError(() => runVerify(flags.db)));
  return log;
}

async function runVerify(db?: string): Promise<void> {
  const store = await openStore(db, { readOnly: true });
  try {
    const report = await verifyLog(store);
    if (report.ok) {
      const chains = report.partitions === 1 ? "chain" : "chains";
      process.stdout.write(
        `OK: ${report.records} decisions in ${report.partitions} ${chains} verify (${store.location})\n`,
      );
      return;
    }
    process.stdout.write(`FAILED: ${describeBreak(report.firstBreak)}\n`);
    process.exitCode = 2;
  } finally {
    await store.close();
  }
}

function describeBreak(found: ChainBreak | undefined): string {
  if (found === undefined) return "the log does not verify";
  const where = `partition ${found.partition} record ${found.seq}`;
  if (found.problem === "removed") return `${where} was removed: ${found.detail}`;
  return `${where} (decision ${found.decisionId}) was ${found.problem}: ${found.detail}`;
}
