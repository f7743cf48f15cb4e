import { Command } from "commander";
import { checkCommand } from "./check-command.ts";
import { explainCommand } from "./explain-command.ts";
import { reasonsCommand } from "./reasons-command.ts";
import { schemasCommand } from "./schemas-command.ts";
import { simulateCommand } from "./simulate-command.ts";

const program = new Command()
  .name("assent")
  .description("Consent-first decisions for CRM: lawful, paced, explained.")
  .showHelpAfterError();

program.addCommand(simulateCommand());
program.addCommand(explainCommand());
program.addCommand(checkCommand());
program.addCommand(schemasCommand());
program.addCommand(reasonsCommand());

await program.parseAsync(process.argv);
