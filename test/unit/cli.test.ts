import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

/** The CLI as a user runs it: clear messages, no stack traces, nothing written on bad input. */

function assent(...args: string[]) {
  return spawnSync(process.execPath, ["bin/assent.js", ...args], { encoding: "utf8" });
}

describe("the CLI", () => {
  test("a replay file with a bad line names it, writes nothing and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-cli-"));
    const file = join(dir, "bad.ndjson");
    const line = {
      kind: "event",
      event: {
        id: "a",
        type: "claim.opened",
        subjectId: "s",
        occurredAt: "2025-01-01T00:00:00Z",
        source: "claims",
        data: { "claim.amount": "lots" },
      },
    };
    writeFileSync(file, `${JSON.stringify(line)}\n`);
    const db = join(dir, "r.db");
    const run = assent("replay", file, "--db", db);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /line 1: \/event\/data\/claim\.amount: expected a finite number/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(existsSync(db), false);
  });

  test("log verify on a path with no database says so instead of verifying nothing", () => {
    const missing = join(tmpdir(), "assent-cli-missing", "x.db");
    const run = assent("log", "verify", "--db", missing);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no database at/);
    assert.equal(existsSync(missing), false);
  });

  test("a bad option value names the option and the range", () => {
    const run = assent("serve", "--port", "70000");
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--port must be a whole number from 0 to 65535/);
  });
});
