import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import type { Decision } from "../../src/engine/types.ts";
import { replayDurably } from "../../src/replay/durable-replay.ts";
import { writeReplayFile } from "../../src/replay/replay-file.ts";
import { simulate } from "../../src/simulator/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { postgresHarness } from "../contract/postgres-support.ts";
import { deployment } from "./timers-support.ts";

/**
 * Group commit is a matter of speed only: replaying one stream one item per transaction and
 * 500 items per transaction leaves the same decision log, the same decisions in the same order
 * for every subject, timer firings and deferrals decided again included.
 */

const items = simulate({
  playbook: "saas",
  subjects: 120,
  days: 90,
  seed: 23,
  start: Date.UTC(2026, 0, 5),
});
const subjects = [
  ...new Set(items.flatMap((item) => (item.kind === "event" ? [item.event.subjectId] : []))),
].sort();

const root = mkdtempSync(join(tmpdir(), "assent-replay-group-size-"));
const postgres = postgresHarness();
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await postgres.dropAll();
});

/** What a decision decided, without the ids a run draws afresh (timer and consent record ids). */
function decided(decision: Decision) {
  const { nodeId, eventId, decidedAt, outcome, reason, deferUntil, arm, action, timer } = decision;
  const firing =
    timer === undefined ? undefined : { dueAt: timer.dueAt, late: timer.firedLateByMs };
  return { nodeId, eventId, decidedAt, outcome, reason, deferUntil, arm, action, firing };
}

/** Replays the stream with `groupSize` into a fresh store; every subject's decisions in order. */
async function decisionLogs(groupSize: number, kind: "sqlite" | "postgres" = "sqlite") {
  const file = join(root, `saas-${groupSize}-${kind}.ndjson`);
  await writeReplayFile(file, items);
  const store: Store =
    kind === "sqlite"
      ? await openSqliteStore({ path: join(root, `saas-${groupSize}-${randomUUID()}.db`) })
      : await postgres.open();
  try {
    const app = createApp({ store, deployment, clock: Date.now });
    const report = await replayDurably(app, deployment.catalog, file, { groupSize });
    const logs = new Map<string, ReturnType<typeof decided>[]>();
    for (const subjectId of subjects) {
      const log = await store.decisionsOf(subjectId, 100_000);
      logs.set(
        subjectId,
        log.map((entry) => decided(entry.decision)),
      );
    }
    return { report, logs };
  } finally {
    await store.close();
  }
}

describe("durable replay group size", () => {
  test("group size 1 and group size 500 give identical decision logs", async () => {
    const one = await decisionLogs(1);
    const many = await decisionLogs(500);
    const all = [...one.logs.values()].flat();
    // The stream must exercise what group commit could reorder: firings and deferrals.
    assert.ok(all.filter((decision) => decision.firing !== undefined).length > 10, "firings");
    assert.ok(all.filter((decision) => decision.outcome === "defer").length > 0, "deferrals");
    assert.equal(all.length, one.report.decisions);
    assert.equal(many.report.decisions, one.report.decisions);
    assert.equal(many.report.tally.render(), one.report.tally.render());
    for (const subjectId of subjects) {
      assert.deepEqual(many.logs.get(subjectId), one.logs.get(subjectId), subjectId);
    }
  });

  test("a replay counts the cancellations its consent records log, as the log holds them", async () => {
    const retail = simulate({
      playbook: "retail",
      subjects: 400,
      days: 60,
      seed: 7,
      start: Date.UTC(2026, 0, 5),
    });
    const file = join(root, "retail.ndjson");
    await writeReplayFile(file, retail);
    const store = await openSqliteStore({ path: join(root, `retail-${randomUUID()}.db`) });
    try {
      const app = createApp({ store, deployment, clock: Date.now });
      const report = await replayDurably(app, deployment.catalog, file, { groupSize: 500 });
      const ids = new Set(
        retail.flatMap((item) => (item.kind === "event" ? [item.event.subjectId] : [])),
      );
      const logged = [];
      for (const subjectId of ids) logged.push(...(await store.decisionsOf(subjectId, 100_000)));
      const cancelled = logged.filter((entry) => entry.decision.reason === "withdrawn_in_flight");
      assert.ok(cancelled.length > 0, "the stream withdraws consent from pending sends");
      assert.equal(report.decisions, logged.length);
      assert.match(report.tally.render(), /withdrawn_in_flight/);
    } finally {
      await store.close();
    }
  });

  test("a group-commit replay on PostgreSQL leaves the decision log of one item per transaction", async () => {
    const one = await decisionLogs(1);
    const many = await decisionLogs(500, "postgres");
    assert.equal(many.report.decisions, one.report.decisions);
    assert.equal(many.report.tally.render(), one.report.tally.render());
    for (const subjectId of subjects) {
      assert.deepEqual(many.logs.get(subjectId), one.logs.get(subjectId), subjectId);
    }
  });
});
