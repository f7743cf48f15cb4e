import { Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../playbook/durations.ts";
import { LINK_SECRET_ENV } from "../trust/link-secret.ts";
import { httpUrl, wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";
import { pseudonymousSubject } from "./subject-argument.ts";
import { linksFromSettings, PUBLIC_URL_ENV } from "./trust-setup.ts";

interface LinkFlags {
  readonly ttl: string;
  readonly publicUrl?: string;
  readonly port: number;
  readonly dataDir: string;
  readonly json: boolean;
}

/** `assent link SUBJECT_ID`: a signed, expiring preference centre link for one subject. */
export function linkCommand(): Command {
  return new Command("link")
    .description(
      "print a signed preference centre link for one subject (and their one-click unsubscribe URL)",
    )
    .argument("<subjectId>", "the subject the link is for")
    .option("--ttl <duration>", "how long the link works, such as 24h or 7d", durationFlag, "7d")
    .option(
      "--public-url <url>",
      `where subjects reach assent serve (default: ${PUBLIC_URL_ENV} or http://localhost:PORT)`,
      httpUrl("--public-url"),
      process.env[PUBLIC_URL_ENV] || undefined,
    )
    .addOption(
      new Option("--port <n>", "the port of the default public URL")
        .env("ASSENT_PORT")
        .argParser(wholeNumber("--port", 1, 65_535))
        .default(3000),
    )
    .option("--data-dir <dir>", "where serve keeps its generated link secret", ".assent")
    .option("--json", "print { url, expiresAt, unsubscribeUrl } as JSON", false)
    .addHelpText("after", ENVIRONMENT_HELP)
    .action((subjectId: string, flags: LinkFlags) =>
      reportAppError(async () => printLink(subjectId, flags)),
    );
}

// Values are never shown: the secret is one.
const ENVIRONMENT_HELP = `
Environment (a flag wins over its variable):
  ${LINK_SECRET_ENV}  signs the link; must be the secret serve uses. Without it,
                      the one serve generated in DATA_DIR/link-secret (none is made here)
  ${PUBLIC_URL_ENV}   where subjects reach assent serve, as --public-url
  ASSENT_PORT         the port of the default public URL, as --port
`;

function durationFlag(value: string): string {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError(
      `--ttl must be a positive duration such as 24h or 7d, got "${value}"`,
    );
  }
  return value;
}

function printLink(subjectId: string, flags: LinkFlags): void {
  // Never generates a secret: a link signed with a secret serve does not know would not open.
  const subject = pseudonymousSubject(subjectId);
  const { links, warnings } = linksFromSettings({ ...flags, mayGenerate: false });
  const link = links.preferenceLink(subject, flags.ttl);
  const unsubscribeUrl = links.unsubscribeUrl(subject);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const out = { url: link.url, expiresAt: link.expiresAt.toISOString(), unsubscribeUrl };
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(out, null, 2)}\n`
      : `${out.url}\n  expires:     ${out.expiresAt}\n  unsubscribe: ${unsubscribeUrl}\n`,
  );
}
