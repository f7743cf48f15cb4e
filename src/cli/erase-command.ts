import { Command } from "commander";
import { createApp } from "../app/app.ts";
import type { ErasureReport } from "../app/assent-app.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { openStore } from "../store/open-store.ts";
import { reportAppError } from "./report-error.ts";
import { pseudonymousSubject } from "./subject-argument.ts";

interface EraseFlags {
  readonly playbooks: string;
  readonly db?: string;
}

/** `assent erase SUBJECT_ID`: erasure (GDPR Art. 17) by crypto-shredding, as an operator. */
export function eraseCommand(): Command {
  return new Command("erase")
    .description(
      "erase a subject (GDPR Art. 17): cancel their pending work and timers, destroy their key, delete their profile and events, blank their consent evidence and keep a tombstone that suppresses them from now on; the decision log still verifies",
    )
    .addHelpText("after", ENVIRONMENT_HELP)
    .argument("<subjectId>", "the subject to erase")
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .action((subjectId: string, flags: EraseFlags) =>
      reportAppError(() => runErase(subjectId, flags)),
    );
}

const ENVIRONMENT_HELP = `
Environment:
  ASSENT_DATABASE_URL  the database, as --db
  ASSENT_MASTER_KEY    the master key the database was written with (default: the
                       key file master.key beside the SQLite file, or .assent/master.key
                       on PostgreSQL). Like every command that writes, erase makes that
                       file if there is none: for development only
`;

async function runErase(subjectId: string, flags: EraseFlags): Promise<void> {
  pseudonymousSubject(subjectId);
  const deployment = loadDeploymentFromDir(flags.playbooks);
  const store = await openStore(flags.db, { mustExist: true });
  try {
    const app = createApp({ store, deployment, clock: Date.now });
    process.stdout.write(`${describe(await app.eraseSubject(subjectId, Date.now()))}\n`);
  } finally {
    await store.close();
  }
}

function describe(report: ErasureReport): string {
  const at = new Date(report.erasedAt).toISOString();
  if (report.alreadyErased)
    return `${report.subjectId} was already erased at ${at}; nothing changed`;
  const { deleted, cancelled } = report;
  return (
    `erased ${report.subjectId} at ${at}: deleted ${deleted.events} events and ` +
    `${deleted.attributes} profile attributes, blanked the evidence of ` +
    `${deleted.consentEvidence} consent records, cancelled ${cancelled.deferrals} deferrals, ` +
    `${cancelled.reviews} reviews, ${cancelled.deliveries} deliveries and ${cancelled.timers} ` +
    "timers; their key is destroyed"
  );
}
