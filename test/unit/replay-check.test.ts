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

  test("an event dated before an earlier event is refused, naming both lines; equal instants and older consent records pass", async () => {
    const at = (id: string, occurredAt: string) =>
      JSON.stringify({ kind: "event", event: { ...event, id, occurredAt } });
    const grant = {
      purpose: "marketing.campaigns",
      channel: "email",
      kind: "grant",
      capturedAt: "2024-06-01T08:00:00Z",
      source: "web",
      evidence: "form-17",
    };
    const path = fileOf([
      at("e-1", "2025-01-06T09:00:00Z"),
      at("e-2", "2025-01-06T09:00:00Z"),
      JSON.stringify({ kind: "consent", subjectId: "s-1", record: grant }),
      at("e-3", "2025-01-06T08:59:59Z"),
      at("e-4", "2025-01-07T09:00:00Z"),
      at("e-5", "2025-01-07T08:00:00Z"),
    ]);
    const error = await refusal(path);
    assert.deepEqual(
      error.fields.map((field) => [field.pointer, field.expected]),
      [
        [
          "line 4: /event/occurredAt",
          "an instant at or after 2025-01-06T09:00:00.000Z (the event on line 2): the replay's clock has passed it, so sort the file by time",
        ],
        [
          "line 6: /event/occurredAt",
          "an instant at or after 2025-01-07T09:00:00.000Z (the event on line 5): the replay's clock has passed it, so sort the file by time",
        ],
      ],
    );
  });

  test("a consent line with an e-mail-shaped subject id is refused like an event's", async () => {
    const grant = {
      purpose: "marketing.campaigns",
      channel: "email",
      kind: "grant",
      capturedAt: "2025-01-06T08:00:00Z",
      source: "web",
      evidence: "form-17",
    };
    const line = { kind: "consent", subjectId: "jan@example.org", record: grant };
    const error = await refusal(fileOf([JSON.stringify(line)]));
    assert.deepEqual(
      error.fields.map((field) => [field.pointer, field.expected]),
      [["line 1: /subjectId", "a pseudonymous id, not an e-mail address"]],
    );
  });

  test("a line of an unknown kind names the kinds a line may be", async () => {
    const error = await refusal(fileOf([JSON.stringify({ kind: "bogus" }), JSON.stringify({})]));
    assert.deepEqual(
      error.fields.map((field) => [field.pointer, field.expected]),
      [
        ["line 1: /kind", 'one of "event", "consent"'],
        ["line 2: /kind", 'one of "event", "consent"'],
      ],
    );
  });

  test("a consent line captured later than the events after it moves the clock past them: refused at the next event", async () => {
    const at = (id: string, occurredAt: string) =>
      JSON.stringify({ kind: "event", event: { ...event, id, occurredAt } });
    const typo = {
      purpose: "marketing.campaigns",
      channel: "email",
      kind: "grant",
      capturedAt: "2027-01-06T08:00:00Z",
      source: "web",
      evidence: "form-17",
    };
    const path = fileOf([
      at("e-1", "2025-01-06T09:00:00Z"),
      JSON.stringify({ kind: "consent", subjectId: "s-1", record: typo }),
      at("e-2", "2025-01-06T10:00:00Z"),
    ]);
    const error = await refusal(path);
    assert.deepEqual(
      error.fields.map((field) => [field.pointer, field.expected]),
      [
        [
          "line 3: /event/occurredAt",
          "an instant at or after 2027-01-06T08:00:00.000Z (the consent record on line 2): the replay's clock has passed it, so sort the file by time",
        ],
      ],
    );
  });
});
