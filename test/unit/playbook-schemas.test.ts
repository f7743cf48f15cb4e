import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import {
  CatalogFile,
  jsonSchemaFiles,
  PlaybookFile,
  PolicyFile,
  writeJsonSchemas,
} from "../../src/playbook/index.ts";

const SCHEMAS = join(import.meta.dirname, "../../schemas");
const DOCS = join(import.meta.dirname, "../../docs/playbooks.md");

describe("JSON Schemas for editors", () => {
  test("the files in schemas/ match the runtime schemas (run npm run schemas to refresh)", () => {
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      assert.equal(readFileSync(join(SCHEMAS, name), "utf8"), text, `schemas/${name} is stale`);
    }
  });

  test("writeJsonSchemas writes catalog, policy and playbook schemas", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-schemas-"));
    const written = writeJsonSchemas(dir);
    assert.deepEqual(written, [
      join(dir, "catalog.schema.json"),
      join(dir, "policy.schema.json"),
      join(dir, "playbook.schema.json"),
    ]);
    const playbook = JSON.parse(readFileSync(join(dir, "playbook.schema.json"), "utf8"));
    assert.equal(playbook.title, "Assent playbook");
    assert.deepEqual(playbook.required, ["playbook", "version", "nodes"]);
  });

  test("editors see the enforceability limits: no empty allow list, no cap of 0", () => {
    const playbook = JSON.parse(jsonSchemaFiles()["playbook.schema.json"] ?? "{}");
    const node = playbook.properties.nodes.items;
    assert.equal(node.properties.channels.minItems, 1);
    assert.equal(node.properties.actions.minItems, 1);
    assert.equal(node.properties.caps.items.properties.max.minimum, 1);
    assert.equal(node.additionalProperties, false);
  });
});

describe("docs/playbooks.md", () => {
  test("its catalog, policy and playbook examples satisfy the schemas", () => {
    const markdown = readFileSync(DOCS, "utf8");
    const examples = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
    assert.equal(examples.length, 3);

    [CatalogFile, PolicyFile, PlaybookFile].forEach((schema, index) => {
      const result = schema.safeParse(parse(examples[index] ?? ""));
      assert.ok(result.success, `example ${index + 1}: ${result.error?.message}`);
    });
  });
});
