import { Command } from "commander";
import { REASON_CODES, REASONS } from "../engine/reasons.ts";

/** `assent reasons`: the reason-code vocabulary with meanings and subject sentences. */
export function reasonsCommand(): Command {
  return new Command("reasons")
    .description("list every reason code with its outcome, meaning and the sentence a subject sees")
    .action(() => {
      for (const code of REASON_CODES) {
        const { outcome, meaning, sentence } = REASONS[code];
        process.stdout.write(`${outcome.padEnd(9)} ${code.padEnd(20)} ${meaning}\n`);
        process.stdout.write(`${"".padEnd(31)}"${sentence}"\n`);
      }
    });
}
