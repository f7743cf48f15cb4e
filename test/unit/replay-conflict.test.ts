import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { replayDurably } from "../../src/replay/durable-replay.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

/**
 * A replay file that re-sends an event id with other content: the line is counted as a
 * conflict, apart from the duplicates, and the first event stands.
 */

const deployment = loadDeploymentFromDir("examples");

const claim = (id: string, amount: number) => ({
  kind: "event",
  event: {
    id,
    type: "claim.opened",
    subjectId: "s-1",
    occurredAt: "2025-01-06T09:00:00Z",
    source: "claims",
    data: { "claim.amount": amount },
  },
});

/** One event, its duplicate, the same id with another amount, and a second event. */
function replayFile(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "assent-replay-conflict-"));
  const path = join(dir, "r.ndjson");
  const lines = [claim("e-1", 1200), claim("e-1", 1200), claim("e-1", 99), claim("e-2", 50)];
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
  return { dir, path };
}

describe("a replay file re-sending an event id with other content", () => {
  test("is counted as 1 conflict and 1 duplicate, and the first event stands", async () => {
    const { dir, path } = replayFile();
    const store = await openSqliteStore({ path: join(dir, "r.db") });
    try {
      await store.migrate();
      const app = createApp({ store, deployment, clock: Date.now });
      const report = await replayDurably(app, deployment.catalog, path, { groupSize: 500 });

      assert.equal(report.events, 4);
      assert.equal(report.duplicates, 1);
      assert.equal(report.conflicts, 1);
      const stored = await store.withSubjects(["s-1"], (tx) => tx.subject("s-1").event("e-1"));
      assert.equal(stored?.data["claim.amount"], 1200);
    } finally {
      await store.close();
    }
  });

  test("assent replay shows the conflicts beside the duplicates in its summary", () => {
    const { dir, path } = replayFile();
    const run = spawnSync(
      process.execPath,
      ["bin/assent.js", "replay", path, "--db", join(dir, "cli.db")],
      { encoding: "utf8", timeout: 60_000 },
    );

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^4 events \(1 duplicate, 1 conflict\) gave /m);
  });
});
