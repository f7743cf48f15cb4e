import { Command } from "commander";
import { verifyLog } from "../decision-log/verify.ts";
import { openStore } from "../store/open-store.ts";
import { reportAppError } from "./report-error.ts";

/** `assent log verify`: walk every hash chain of the decision log. */
export function logCommand(): Command {
  const log = new Command("log").description("the hash-chained decision log");
  log
    .command("verify")
    .description(
      "check every partition's chain; print OK with counts, or the first record that was changed, removed, inserted or reordered",
    )
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .action((flags: { db?: string }) => reportAppError(() => runVerify(flags.db)));
  return log;
}

async function runVerify(db?: string): Promise<void> {
  const store = await openStore(db);
  try {
    const report = await verifyLog(store);
    if (report.ok) {
      process.stdout.write(
        `OK: ${report.records} decisions in ${report.partitions} chains verify (${store.location})\n`,
      );
      return;
    }
    const found = report.firstBreak;
    process.stdout.write(
      `FAILED: partition ${found?.partition} record ${found?.seq} (decision ${found?.decisionId}) was ${found?.problem}: ${found?.detail}\n`,
    );
    process.exitCode = 2;
  } finally {
    await store.close();
  }
}
