import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import type { AssentEvent } from "../../src/engine/types.ts";
import { replayDurably } from "../../src/replay/durable-replay.ts";
import { replayPlaybook } from "../../src/replay/replay.ts";
import { writeReplayFile } from "../../src/replay/replay-file.ts";
import { DecisionTally } from "../../src/replay/summary.ts";
import { simulate } from "../../src/simulator/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { deployment, RENEWAL_NODE } from "./timers-support.ts";

/**
 * A replay of the simulated SaaS stream fires the milestone-stall nudges and the renewal
 * reminders on the replayed clock, and the summary counts them. The expected counts come from
 * the stream itself, worked out here without timers, stores or the engine.
 */

const STALL_NODE = "onboarding-first-project-nudge";
const DAY = 86_400_000;
const options = {
  playbook: "saas",
  subjects: 300,
  days: 90,
  seed: 11,
  start: Date.UTC(2026, 0, 5),
} as const;
const items = simulate(options);
const events = items.flatMap((item) => (item.kind === "event" ? [item.event] : []));

const root = mkdtempSync(join(tmpdir(), "assent-timers-replay-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Sign-ups with no first project within five days, whose fifth day comes by `end`. */
function expectedStalls(end: number): number {
  return events.filter((signup) => {
    if (signup.type !== "account.signed_up") return false;
    const due = signup.occurredAt + 5 * DAY;
    const milestone = events.some(
      (e) =>
        e.subjectId === signup.subjectId &&
        e.type === "milestone.first_project" &&
        e.occurredAt >= signup.occurredAt &&
        e.occurredAt < due,
    );
    return !milestone && due <= end;
  }).length;
}

/**
 * Per subject, walks the term ends in time order: a reminder is due 90 days before the latest
 * one, set only while that instant is still ahead, and fires when the clock reaches it first.
 */
function expectedReminders(end: number): number {
  const bySubject = new Map<string, AssentEvent[]>();
  for (const event of events) {
    if (typeof event.data["contract.term_end"] !== "number") continue;
    bySubject.set(event.subjectId, [...(bySubject.get(event.subjectId) ?? []), event]);
  }
  let fired = 0;
  for (const list of bySubject.values()) {
    let due: number | undefined;
    for (const event of list) {
      if (due !== undefined && due <= event.occurredAt) {
        fired += 1;
        due = undefined;
      }
      const next = Number(event.data["contract.term_end"]) - 90 * DAY;
      if (next === due) continue;
      due = next > event.occurredAt ? next : undefined;
    }
    if (due !== undefined && due <= end) fired += 1;
  }
  return fired;
}

describe("replaying the simulated SaaS stream", () => {
  test("the durable replay fires stall nudges and renewal reminders and counts them", async () => {
    const file = join(root, "saas.ndjson");
    await writeReplayFile(file, items);
    const store = await openSqliteStore({ path: join(root, "saas.db") });
    try {
      const app = createApp({ store, deployment, clock: Date.now });
      const report = await replayDurably(app, deployment.catalog, file, { groupSize: 200 });
      const last = Math.max(...events.map((event) => event.occurredAt));
      const stalls = report.tally.timerFirings(STALL_NODE);
      const reminders = report.tally.timerFirings(RENEWAL_NODE);
      assert.ok(stalls > 10 && reminders > 10, `${stalls} nudges, ${reminders} reminders`);
      assert.equal(stalls, expectedStalls(last));
      assert.equal(reminders, expectedReminders(last));
      assert.match(report.tally.render(), new RegExp(`\\n${STALL_NODE} +${stalls}(\\n|$)`));
      assert.equal((await store.timerStats(last)).oldestDueAt, undefined, "none left behind");
      // Reminders fire at midnight UTC, in quiet hours: deferred, then decided again as firings.
      const renewal = report.tally.rows().find((row) => row.nodeId === RENEWAL_NODE);
      assert.ok((renewal?.outcomes.defer ?? 0) > 0);
      assert.equal(renewal?.reasons.no_trigger_match, undefined);
      assert.ok((renewal?.total ?? 0) > reminders, "deferred firings decided again");
    } finally {
      await store.close();
    }
  });

  test("the in-memory replay fires the same timers over the run's window", () => {
    const tally = new DecisionTally();
    replayPlaybook(deployment, options, (decision) => tally.add(decision));
    const end = options.start + options.days * DAY;
    assert.equal(tally.timerFirings(STALL_NODE), expectedStalls(end));
    assert.equal(tally.timerFirings(RENEWAL_NODE), expectedReminders(end));
  });
});
