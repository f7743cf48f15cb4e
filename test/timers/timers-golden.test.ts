import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { appOn, at, CLAIM_NODE, claimOpened, eventAt, RENEWAL_NODE } from "./timers-support.ts";

/**
 * The golden cases of issue #7, through the whole service (ingest, durable timers, the
 * scheduler's tick and the decision log) on SQLite.
 */

const root = mkdtempSync(join(tmpdir(), "assent-timers-"));
after(() => rmSync(root, { recursive: true, force: true }));

async function fresh() {
  const clock = { now: at("2025-03-01T00:00:00Z") };
  const store = await openSqliteStore({ path: join(root, `${randomUUID()}.db`) });
  return { store, clock, app: appOn(store, clock) };
}

describe("after a delay: claim status on day 3", () => {
  test("a claim opened 2025-03-03T10:00Z and not closed is decided at exactly 2025-03-06T10:00Z", async () => {
    const { store, clock, app } = await fresh();
    try {
      clock.now = at("2025-03-03T10:00:02Z");
      await app.ingest([claimOpened("s-1", "2025-03-03T10:00:00Z")]);
      const [timer] = await app.timersOf("s-1");
      assert.equal(timer?.dueAt, at("2025-03-06T10:00:00Z"));
      assert.match(timer?.why ?? "", /^3d after claim\.opened e-\d+, unless claim\.closed first$/);

      assert.equal((await app.tick(at("2025-03-06T09:59:59.999Z"))).timers, 0);
      const fired = await app.tick(at("2025-03-06T10:00:00Z"));
      assert.equal(fired.timers, 1);
      const decisions = (await app.decisionsOf("s-1", 10)).map((stored) => stored.decision);
      const decision = decisions.find((each) => each.nodeId === CLAIM_NODE);
      assert.equal(decision?.decidedAt, at("2025-03-06T10:00:00Z"));
      assert.deepEqual(decision?.timer && { ...decision.timer, why: "" }, {
        timerId: timer?.timerId,
        dueAt: at("2025-03-06T10:00:00Z"),
        firedLateByMs: 0,
        why: "",
      });
      assert.match(decision?.steps[0]?.detail ?? "", /due 2025-03-06T10:00:00.000Z, fired on time/);
      assert.deepEqual(await app.timersOf("s-1"), []);
      assert.equal((await app.tick(at("2025-03-09T00:00:00Z"))).timers, 0, "fires once");
    } finally {
      await store.close();
    }
  });

  test("a claim closed at 2025-03-05T09:00Z, before day 3, never fires", async () => {
    const { store, clock, app } = await fresh();
    try {
      clock.now = at("2025-03-05T09:00:01Z");
      await app.ingest([claimOpened("s-2", "2025-03-03T10:00:00Z")]);
      const closed = { "claim.status": "closed", "claim.next_step": "none" };
      await app.ingest([eventAt("s-2", "claim.closed", "2025-03-05T09:00:00Z", closed)]);
      assert.deepEqual(await app.timersOf("s-2"), []);
      assert.equal((await app.tick(at("2025-03-10T00:00:00Z"))).timers, 0);
      const decisions = await app.decisionsOf("s-2", 10);
      assert.equal(decisions.filter((s) => s.decision.nodeId === CLAIM_NODE).length, 0);
    } finally {
      await store.close();
    }
  });
});

describe("before a date: the 90-day renewal reminder", () => {
  test("moving the term end from 2025-12-31 to 2026-03-31 moves the reminder from 2025-10-02 to 2025-12-31; the old one never fires", async () => {
    const { store, clock, app } = await fresh();
    const account = { "account.plan": "team", "account.arr": 6000, "contract.auto_renew": true };
    try {
      clock.now = at("2025-06-01T12:00:00Z");
      const first = { ...account, "contract.term_end": "2025-12-31T00:00:00Z" };
      await app.ingest([eventAt("s-3", "subscription.started", "2025-06-01T12:00:00Z", first)]);
      assert.deepEqual(
        (await app.timersOf("s-3")).map((timer) => [timer.nodeId, timer.dueAt]),
        [[RENEWAL_NODE, at("2025-10-02T00:00:00Z")]],
      );

      clock.now = at("2025-09-15T12:00:00Z");
      const moved = { "contract.auto_renew": true, "contract.term_end": "2026-03-31T00:00:00Z" };
      await app.ingest([eventAt("s-3", "contract.renewed", "2025-09-15T12:00:00Z", moved)]);
      const [timer] = await app.timersOf("s-3");
      assert.equal(timer?.dueAt, at("2025-12-31T00:00:00Z"));

      assert.equal((await app.tick(at("2025-10-02T00:00:00Z"))).timers, 0, "the old one");
      assert.equal((await app.tick(at("2025-12-30T23:59:59Z"))).timers, 0);
      assert.equal((await app.tick(at("2025-12-31T00:00:00Z"))).timers, 1);
      const reminders = (await app.decisionsOf("s-3", 20))
        .map((stored) => stored.decision)
        .filter((decision) => decision.nodeId === RENEWAL_NODE && decision.timer !== undefined);
      assert.deepEqual(
        reminders.map((decision) => [decision.decidedAt, decision.timer?.timerId]),
        [[at("2025-12-31T00:00:00Z"), timer?.timerId]],
      );
    } finally {
      await store.close();
    }
  });
});
