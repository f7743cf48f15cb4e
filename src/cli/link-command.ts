import { Command, InvalidArgumentError } from "commander";
import { parseDuration } from "../playbook/durations.ts";
import { httpUrl, wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";
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
    .option(
      "--port <n>",
      "the port of the default public URL",
      wholeNumber("--port", 1, 65_535),
      Number(process.env.ASSENT_PORT ?? 3000),
    )
    .option("--data-dir <dir>", "where serve keeps its generated link secret", ".assent")
    .option("--json", "print { url, expiresAt, unsubscribeUrl } as JSON", false)
    .action((subjectId: string, flags: LinkFlags) =>
      reportAppError(async () => printLink(subjectId, flags)),
    );
}

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
  const { links, warnings } = linksFromSettings({ ...flags, mayGenerate: false });
  const link = links.preferenceLink(subjectId, flags.ttl);
  const unsubscribeUrl = links.unsubscribeUrl(subjectId);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const out = { url: link.url, expiresAt: link.expiresAt.toISOString(), unsubscribeUrl };
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(out, null, 2)}\n`
      : `${out.url}\n  expires:     ${out.expiresAt}\n  unsubscribe: ${unsubscribeUrl}\n`,
  );
}
