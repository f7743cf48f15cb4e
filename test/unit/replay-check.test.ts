import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { AppError } from "../../src/app/errors.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { checkReplayFile } from "../../src/replay/durable-replay.ts";

/** The check of a replay file, run before anything is written: every bad line is listed. */

const catalog = loadDeploymentFromDir("examples").catalog;

function fileOf(lines: readonly string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "assent-replay-check-")), "r.ndjson");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

async function refusal(path: string): Promise<AppError> {
  const error = await checkReplayFile(path, catalog).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof AppError, "the file must be refused");
  return error;
}

const event = {
  id: "e-1",
  type: "claim.opened",
  subjectId: "s-1",
  occurredAt: "2025-01-06T09:00:00Z",
  source: "claims",
  data: {},
};

describe("checking a replay file", () => {
  test("problems on several lines, unreadable or not, are all listed with their line numbers", async () => {
    const consent = { kind: "consent", subjectId: "s-1", record: { channel: "fax" } };
    const path = fileOf([
      JSON.stringify({ kind: "event", event }),
      "",
      "{not json",
      JSON.stringify({ kind: "consent", subjectId: "s-1" }),
      JSON.stringify({ kind: "event", event: { ...event, subjectId: "", unknown: 1 } }),
      JSON.stringify(consent),
    ]);
    const error = await refusal(path);
    const pointers = error.fields.map((field) => field.pointer);
    assert.deepEqual(
      [...new Set(pointers.map((pointer) => pointer.split(":")[0]))],
      ["line 3", "line 4", "line 5", "line 6"],
    );
    const words = new Map(error.fields.map((field) => [field.pointer, field.expected]));
    assert.equal(words.get("line 3"), "one JSON object per line");
    assert.equal(words.get("line 4: /record"), "an object (it is missing)");
    assert.equal(words.get("line 5: /event/subjectId"), "a non-empty string");
    assert.equal(
      words.get("line 5: /event/unknown"),
      "only the documented fields (remove this one)",
    );
    assert.match(words.get("line 6: /record/channel") ?? "", /^one of "email", "sms"/);
    assert.equal(error.code, "malformed_json");
  });

  test("a long list stops at 20 problems and says how many there were", async () => {
    const bad = JSON.stringify({ kind: "event", event: { ...event, subjectId: "" } });
    const error = await refusal(fileOf(Array.from({ length: 25 }, () => bad)));
    assert.equal(error.fields.length, 20);
    assert.match(error.message, /the first 20 of 25 are listed/);
  });
});
