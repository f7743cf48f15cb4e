import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CatalogFile } from "./catalog-schema.ts";
import { PlaybookFile } from "./playbook-schema.ts";
import { PolicyFile } from "./policy-schema.ts";

/** The JSON Schema files for editors, by file name, as the text written to disk. */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    "catalog.schema.json": render(CatalogFile),
    "policy.schema.json": render(PolicyFile),
    "playbook.schema.json": render(PlaybookFile),
  };
}

function render(schema: z.ZodType): string {
  // Input shape: a field with a default is optional to whoever writes the file.
  const json = z.toJSONSchema(schema, { target: "draft-07", io: "input" });
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * Writes catalog, policy and playbook JSON Schemas into `dir`, generated from the runtime schemas.
 *
 * @example writeJsonSchemas("schemas") // schemas/catalog.schema.json, ...
 */
export function writeJsonSchemas(dir: string): string[] {
  mkdirSync(dir, { recursive: true });

  return Object.entries(jsonSchemaFiles()).map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}
