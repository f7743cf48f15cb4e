import { Command } from "commander";
import { AppError } from "../app/errors.ts";
import { openStore } from "../store/open-store.ts";
import { renderDecision } from "./render.ts";
import { reportAppError } from "./report-error.ts";

/** `assent explain DECISION_ID`: one recorded decision with its explanation. */
export function explainCommand(): Command {
  return new Command("explain")
    .description(
      "print a recorded decision with every step of its explanation; sealed steps need the master key the database was written with (ASSENT_MASTER_KEY, or master.key beside the SQLite file): none is made",
    )
    .argument("<decisionId>", "the decision's id (from replay --out, the API or the log)")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .option("--json", "print the stored decision as JSON", false)
    .action((decisionId: string, flags: { db?: string; json: boolean }) =>
      reportAppError(() => runExplain(decisionId, flags)),
    );
}

async function runExplain(decisionId: string, flags: { db?: string; json: boolean }) {
  const store = await openStore(flags.db, { readOnly: true });
  try {
    const stored = await store.getDecision(decisionId);
    if (stored === undefined)
      throw new AppError("not_found", `no decision ${decisionId} in ${store.location}`);
    const trace = stored.traceId === undefined ? "" : `, trace ${stored.traceId}`;
    const where = `decision ${decisionId} (log partition ${stored.partition}, record ${stored.seq}${trace})`;
    const text = flags.json
      ? JSON.stringify(stored, null, 2)
      : `${where}\n${renderDecision(stored.decision)}`;
    process.stdout.write(`${text}\n`);
  } finally {
    await store.close();
  }
}
