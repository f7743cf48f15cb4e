import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import type { Timer } from "../../src/timers/timer.ts";
import { consent, event, freshSubject, HOUR, logEntry, T0 } from "../contract/contract-fixtures.ts";

/**
 * The SQLite writer remembers what it read of a subject between transactions (SubjectMemory).
 * Whatever it remembers, a transaction must see exactly what a fresh read would: after its own
 * rollbacks, after another process's writes, after an erasure made elsewhere.
 */

const root = mkdtempSync(join(tmpdir(), "assent-subject-memory-"));
after(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
async function withStore(work: (store: Store, path: string) => Promise<void>): Promise<void> {
  files += 1;
  const path = join(root, `memory-${files}.db`);
  const store = await openSqliteStore({ path });
  try {
    await work(store, path);
  } finally {
    await store.close();
  }
}

async function setPlan(store: Store, subjectId: string, plan: string, at: number): Promise<void> {
  await store.withSubject(subjectId, async (tx) => {
    await tx.applyAttributes(event(subjectId, { occurredAt: at }), { plan });
    await tx.profile();
  });
}

async function planInTx(store: Store, subjectId: string) {
  return store.withSubject(subjectId, async (tx) => (await tx.profile()).get("plan")?.value);
}

describe("the SQLite writer's memory of subjects", () => {
  test("a rolled-back transaction leaves nothing of its writes remembered", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      await setPlan(store, subject, "free", T0);
      const failed = store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(event(subject, { occurredAt: T0 + HOUR }), { plan: "pro" });
        assert.equal((await tx.profile()).get("plan")?.value, "pro");
        throw new Error("abandon");
      });
      await assert.rejects(failed, /abandon/);
      assert.equal(await planInTx(store, subject), "free");
    });
  });

  test("a rolled-back erasure leaves the subject's data readable, key and all", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      await setPlan(store, subject, "free", T0);
      const failed = store.withSubject(subject, async (tx) => {
        await tx.erase(T0 + HOUR);
        throw new Error("abandon");
      });
      await assert.rejects(failed, /abandon/);
      assert.equal(await planInTx(store, subject), "free");
      await setPlan(store, subject, "pro", T0 + HOUR);
      assert.equal((await store.profile(subject)).get("plan")?.value, "pro");
    });
  });

  test("a commit by another connection makes the next transaction read afresh", async () => {
    await withStore(async (store, path) => {
      const subject = freshSubject();
      await setPlan(store, subject, "free", T0);
      assert.equal(await planInTx(store, subject), "free");
      const other = new Database(path);
      try {
        other.prepare("DELETE FROM attributes WHERE subject_id = ?").run(subject);
      } finally {
        other.close();
      }
      assert.equal(await planInTx(store, subject), undefined);
    });
  });

  test("an erasure made by another process leaves the subject's sealed data unreadable here", async () => {
    await withStore(async (store, path) => {
      const subject = freshSubject();
      const entry = logEntry(subject);
      await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(event(subject), { plan: "free" });
        await tx.appendDecision(entry);
        await tx.profile();
      });
      const elsewhere = await openSqliteStore({ path });
      try {
        await elsewhere.withSubject(subject, (tx) => tx.erase(T0 + HOUR));
      } finally {
        await elsewhere.close();
      }
      await store.withSubject(subject, async (tx) => {
        assert.equal((await tx.profile()).size, 0);
        assert.equal(await tx.erasedAt(), T0 + HOUR);
        assert.equal((await tx.decision(entry.decisionId))?.explanationErased, true);
      });
    });
  });

  test("an erasure here is remembered: later transactions see the subject erased", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      const entry = logEntry(subject);
      await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(event(subject), { plan: "free" });
        await tx.appendDecision(entry);
        await tx.profile();
        await tx.consentView();
      });
      await store.withSubject(subject, (tx) => tx.erase(T0 + HOUR));
      await store.withSubject(subject, async (tx) => {
        assert.equal((await tx.profile()).size, 0);
        assert.equal((await tx.consentView()).erasedAt, T0 + HOUR);
        assert.equal((await tx.decision(entry.decisionId))?.explanationErased, true);
      });
    });
  });

  test("remembered pending timers follow creations and settlements, as a fresh read lists them", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      const timer = (nodeId: string, dueAt: number): Timer => ({
        timerId: `timer-${nodeId}-${subject}`,
        subjectId: subject,
        nodeId,
        kind: "delay",
        dueAt,
        eventId: "evt-1",
        causeAt: T0,
        why: "test",
        createdAt: T0,
        status: "pending",
      });
      await store.withSubject(subject, async (tx) => {
        await tx.createTimer(timer("a", T0 + 2 * HOUR));
        await tx.createTimer(timer("b", T0 + HOUR));
        await tx.pendingTimers();
      });
      const remembered = await store.withSubject(subject, async (tx) => {
        await tx.settleTimer(`timer-b-${subject}`, "fired", T0 + HOUR);
        await tx.createTimer(timer("c", T0 + 2 * HOUR));
        await tx.createTimer(timer("d", T0 + HOUR / 2));
        return tx.pendingTimers();
      });
      const fresh = await store.timersOf(subject);
      assert.deepEqual(remembered, fresh);
      assert.deepEqual(
        fresh.map((each) => each.nodeId),
        ["d", "a", "c"],
      );
    });
  });

  test("a remembered consent view follows stored records and contact points, as a fresh read", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      const first = consent(subject, { capturedAt: T0 + 2 * HOUR });
      await store.withSubject(subject, async (tx) => {
        await tx.appendConsent(first);
        await tx.setContact("sms", "US");
        await tx.consentView();
      });
      const remembered = await store.withSubject(subject, async (tx) => {
        await tx.appendConsent(consent(subject, { capturedAt: T0 + HOUR, express: true }));
        await tx.appendConsent(consent(subject, { capturedAt: T0 + 2 * HOUR, expiresAt: T0 }));
        await tx.appendConsent({ ...first, evidence: "a second copy is not stored" });
        await tx.setContact("email", "EU");
        await tx.setContact("sms", "EU");
        return tx.consentView();
      });
      const fresh = await store.consentView(subject);
      assert.deepEqual(remembered, fresh);
      assert.equal(remembered.records.length, 3);
      assert.deepEqual(Object.keys(remembered.contacts), Object.keys(fresh.contacts));
      assert.deepEqual(Object.keys(fresh.contacts), ["email", "sms"]);
    });
  });

  test("a remembered profile keeps the order of a fresh read as attributes are added", async () => {
    await withStore(async (store) => {
      const subject = freshSubject();
      await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(event(subject), { "plan.tier": "b" });
        await tx.profile();
      });
      const remembered = await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(event(subject), { zone: "z", "plan.name": "n", Alpha: "A" });
        return [...(await tx.profile()).keys()];
      });
      assert.deepEqual(remembered, [...(await store.profile(subject)).keys()]);
      assert.deepEqual(remembered, ["Alpha", "plan.name", "plan.tier", "zone"]);
    });
  });
});
