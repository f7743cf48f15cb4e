import { readFileSync } from "node:fs";
import { Command } from "commander";
import { eraseCommand } from "./erase-command.ts";
import { explainCommand } from "./explain-command.ts";
import { linkCommand } from "./link-command.ts";
import { logCommand } from "./log-command.ts";
import { playbookCommand } from "./playbook-command.ts";
import { readoutCommand } from "./readout-command.ts";
import { reasonsCommand } from "./reasons-command.ts";
import { replayCommand } from "./replay-command.ts";
import { reportCommand } from "./report-command.ts";
import { schemasCommand } from "./schemas-command.ts";
import { serveCommand } from "./serve-command.ts";
import { simulateCommand } from "./simulate-command.ts";
import { timersCommand } from "./timers-command.ts";
import { upliftCommand } from "./uplift-command.ts";

const manifest: unknown = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
);
const version =
  typeof manifest === "object" && manifest !== null && "version" in manifest
    ? String(manifest.version)
    : "unknown";

const program = new Command()
  .name("assent")
  .version(version)
  .description("Consent-first decisions for CRM: lawful, paced, explained.")
  .showHelpAfterError()
  .addHelpText(
    "after",
    "\nEnvironment:\n" +
      "  ASSENT_DEBUG=1  print a stack trace with any command's error\n" +
      "The others are in README (Configuration); serve --help lists those it reads.\n",
  );

program.addCommand(serveCommand());
program.addCommand(simulateCommand());
program.addCommand(replayCommand());
program.addCommand(logCommand());
program.addCommand(explainCommand());
program.addCommand(linkCommand());
program.addCommand(eraseCommand());
program.addCommand(timersCommand());
program.addCommand(playbookCommand());
program.addCommand(schemasCommand());
program.addCommand(reasonsCommand());
program.addCommand(readoutCommand());
program.addCommand(reportCommand());
program.addCommand(upliftCommand());

await program.parseAsync(process.argv);
