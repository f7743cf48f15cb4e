import { Command } from "commander";
import { writeJsonSchemas } from "../playbook/json-schemas.ts";

/** `assent schemas`: write the JSON Schemas of the catalog, policy and playbook files. */
export function schemasCommand(): Command {
  return new Command("schemas")
    .description("write JSON Schemas for catalog, policy and playbook files (for editors)")
    .option("--out <dir>", "output folder", "schemas")
    .action((flags: { out: string }) => {
      const written = writeJsonSchemas(flags.out);
      process.stdout.write(`${[written].flat().join("\n")}\n`);
    });
}
