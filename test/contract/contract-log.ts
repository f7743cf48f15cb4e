import assert from "node:assert/strict";
import { test } from "node:test";
import { GENESIS_HASH, PARTITION_COUNT, partitionOf } from "../../src/decision-log/chain.ts";
import { verifyLog } from "../../src/decision-log/verify.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import { decision, freshSubject, logEntry, subjectFor, T0 } from "./contract-fixtures.ts";
import { type ContractHooks, collect, type OpenStore, withStore } from "./contract-support.ts";

/** Appends `count` decisions for a subject, one transaction each; returns their ids in order. */
async function appendMany(store: Store, subject: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const entry = logEntry(subject, { recordedAt: T0 + i });
    await store.withSubject(subject, (tx) => tx.appendDecision(entry));
    ids.push(entry.decisionId);
  }
  return ids;
}

/** The decision log: append-only, hash-chained per partition, the source of decisions. */
export function logContract(open: OpenStore, hooks: ContractHooks): void {
  appendOnlyRules(open);
  readBackRules(open);
  tamperRules(open, hooks);
}

function appendOnlyRules(open: OpenStore): void {
  test("the log is append-only: seq counts from 1 per partition and every chain verifies", () =>
    withStore(open, async (store) => {
      const a = freshSubject();
      const [sameAsA, elsewhere] = [subjectFor(partitionOf(a)), subjectFor(partitionOf(a), false)];
      const first = await store.withSubject(a, (tx) => tx.appendDecision(logEntry(a)));
      const second = await store.withSubject(sameAsA, (tx) => tx.appendDecision(logEntry(sameAsA)));
      const other = await store.withSubject(elsewhere, (tx) =>
        tx.appendDecision(logEntry(elsewhere)),
      );

      assert.deepEqual(
        [first.seq, first.prevHash, first.partition],
        [1, GENESIS_HASH, partitionOf(a)],
      );
      assert.deepEqual([second.seq, second.prevHash], [2, first.hash]);
      assert.deepEqual([other.seq, other.prevHash], [1, GENESIS_HASH]);
      assert.deepEqual(await collect(store.readLog(first.partition)), [first, second]);
      assert.deepEqual(await collect(store.readLog(other.partition)), [other]);
      const report = await verifyLog(store);
      assert.deepEqual([report.ok, report.records], [true, 3]);
    }));

  test("a decision id is logged once", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const entry = logEntry(subject);
      await store.withSubject(subject, (tx) => tx.appendDecision(entry));
      await assert.rejects(store.withSubject(subject, (tx) => tx.appendDecision(entry)));
      assert.equal((await collect(store.readLog(partitionOf(subject)))).length, 1);
    }));

  test("a transaction refuses a decision about another subject", () =>
    withStore(open, async (store) => {
      const [mine, other] = [freshSubject(), freshSubject()];
      const entry = logEntry(mine, { decision: decision(other) });
      await assert.rejects(
        store.withSubject(mine, (tx) => tx.appendDecision(entry)),
        (error) => error instanceof StoreError && error.code === "outside_transaction",
      );
    }));

  test("readLog returns a long chain whole and in seq order", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      await store.withSubject(subject, async (tx) => {
        for (let i = 0; i < 1234; i += 1) await tx.appendDecision(logEntry(subject));
      });
      const records = await collect(store.readLog(partitionOf(subject)));
      assert.deepEqual(
        records.map((record) => record.seq),
        records.map((_, i) => i + 1),
      );
      assert.equal((await verifyLog(store)).ok, true);
    }));

  test("logPartitions lists exactly the partitions that hold records", () =>
    withStore(open, async (store) => {
      assert.deepEqual(await store.logPartitions(), []);
      const subjects = Array.from({ length: 12 }, () => freshSubject());
      for (const subject of subjects) await appendMany(store, subject, 1);
      const expected = [...new Set(subjects.map((s) => partitionOf(s)))].sort((x, y) => x - y);
      const listed = await store.logPartitions();
      assert.deepEqual(listed, expected);
      assert.ok(listed.every((p) => p >= 0 && p < PARTITION_COUNT));
    }));
}

function readBackRules(open: OpenStore): void {
  test("getDecision reads the decision back from its log record", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const entry = logEntry(subject, { traceId: "trace-1" });
      const record = await store.withSubject(subject, (tx) => tx.appendDecision(entry));
      const stored = await store.getDecision(entry.decisionId);

      const { partition, seq } = record;
      assert.deepEqual(stored, {
        decisionId: entry.decisionId,
        traceId: "trace-1",
        partition,
        seq,
        decision: entry.decision,
      });
      assert.equal(await store.getDecision("dec-unknown"), undefined);
    }));

  test("decisionsOf is newest first, honours its limit and keeps to the subject", () =>
    withStore(open, async (store) => {
      const [subject, other] = [freshSubject(), freshSubject()];
      const ids = await appendMany(store, subject, 5);
      await appendMany(store, other, 2);
      const newest = await store.decisionsOf(subject, 3);

      assert.deepEqual(
        newest.map((d) => d.decisionId),
        ids.slice(2).reverse(),
      );
      assert.ok(newest.every((d) => d.decision.subjectId === subject && d.traceId === undefined));
      assert.deepEqual(await store.decisionsOf(freshSubject(), 3), []);
    }));
}

function tamperRules(open: OpenStore, hooks: ContractHooks): void {
  const { rawUpdateLog, rawDeleteLog } = hooks;
  const skip = rawUpdateLog === undefined || rawDeleteLog === undefined;
  test(
    "no code path updates or deletes a log record: raw UPDATE and DELETE are refused",
    { skip },
    () =>
      withStore(open, async (store) => {
        if (rawUpdateLog === undefined || rawDeleteLog === undefined) return;
        const subject = freshSubject();
        await appendMany(store, subject, 3);
        const partition = partitionOf(subject);

        await assert.rejects(rawUpdateLog(store, partition, 2));
        await assert.rejects(rawDeleteLog(store, partition, 3));
        assert.equal((await collect(store.readLog(partition))).length, 3);
        assert.equal((await verifyLog(store)).ok, true);
      }),
  );
}
