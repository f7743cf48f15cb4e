import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { PARTITION_COUNT, partitionOf } from "../../src/decision-log/chain.ts";
import { verifyLog } from "../../src/decision-log/verify.ts";
import { MIGRATIONS } from "../../src/store/postgres/postgres-migrations.ts";
import { openPostgresStore, redactedUrl } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import {
  DAY,
  delivery,
  event,
  freshSubject,
  logEntry,
  subjectFor,
  T0,
} from "./contract-fixtures.ts";
import { collect, withStore } from "./contract-support.ts";
import { postgresHarness, TEST_URL } from "./postgres-support.ts";
import { describeStoreContract } from "./store-contract.ts";

const harness = postgresHarness();
after(() => harness.dropAll());

describeStoreContract("postgres", harness.open, {
  rawUpdateLog: async (store, partition, seq) => {
    const text = "UPDATE decision_log SET body = body || ' ' WHERE partition = $1 AND seq = $2";
    await harness.raw(store, text, [partition, seq]);
  },
  rawDeleteLog: async (store, partition, seq) => {
    await harness.raw(store, "DELETE FROM decision_log WHERE partition = $1 AND seq = $2", [
      partition,
      seq,
    ]);
  },
});

/** Two stores on one schema, each with its own pool: as two processes would be. */
async function withTwoProcesses(body: (one: Store, two: Store) => Promise<void>): Promise<void> {
  await withStore(harness.open, async (one) => {
    const two = await harness.reopen(one);
    try {
      await body(one, two);
    } finally {
      await two.close();
    }
  });
}

async function appendIn(store: Store, subject: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await store.withSubject(subject, (tx) => tx.appendDecision(logEntry(subject)));
  }
}

describe("postgres store: set-up", () => {
  test("the location is the URL without its password", () => {
    const location = redactedUrl("postgres://assent:s3cret@db.example:5432/assent?sslmode=require");
    assert.equal(location, "postgres://assent@db.example:5432/assent?sslmode=require");
    assert.ok(!location.includes("s3cret"));
    const inQuery = redactedUrl("postgres://assent@db/assent?password=s3cret&application_name=a");
    assert.equal(inQuery, "postgres://assent@db/assent?application_name=a");
  });

  test("migrate is idempotent, also when two processes migrate one schema at once", () =>
    withStore(harness.open, async (store) => {
      const schema = harness.schemaOf(store);
      const [one, two] = await Promise.all([harness.reopen(store), harness.reopen(store)]);
      await Promise.all([one.migrate(), two.migrate(), store.migrate()]);
      await Promise.all([one.close(), two.close()]);

      const applied = await harness.raw(store, "SELECT version FROM schema_migrations ORDER BY 1");
      assert.deepEqual(
        applied.rows.map((row) => row.version),
        MIGRATIONS.map((step) => step.version),
      );
      assert.ok(schema.startsWith("assent_test_"));
    }));

  test("a schema migrated by a newer build is refused", () =>
    withStore(harness.open, async (store) => {
      await harness.raw(store, "INSERT INTO schema_migrations VALUES (99, 'future', 0)");
      const schema = harness.schemaOf(store);
      await assert.rejects(
        openPostgresStore({ url: TEST_URL, schema }),
        (error) => error instanceof StoreError && error.code === "schema_too_new",
      );
    }));

  test("a schema name that is not a plain identifier is refused before connecting", async () => {
    await assert.rejects(openPostgresStore({ url: TEST_URL, schema: "x; DROP TABLE y" }));
  });

  test("a closed store refuses work", async () => {
    const store = await harness.open();
    await store.close();
    await assert.rejects(
      store.profile(freshSubject()),
      (error) => error instanceof StoreError && error.code === "store_closed",
    );
  });
});

describe("postgres store: the decision log", () => {
  test("the log trigger refuses UPDATE, DELETE and TRUNCATE", () =>
    withStore(harness.open, async (store) => {
      const subject = freshSubject();
      await appendIn(store, subject, 2);
      const at = [partitionOf(subject), 1];
      const refused = /decision log records are never changed/;

      await assert.rejects(
        harness.raw(
          store,
          "UPDATE decision_log SET hash = 'x' WHERE partition = $1 AND seq = $2",
          at,
        ),
        refused,
      );
      await assert.rejects(harness.raw(store, "DELETE FROM decision_log"), refused);
      await assert.rejects(harness.raw(store, "TRUNCATE decision_log"), refused);
      assert.equal((await collect(store.readLog(partitionOf(subject)))).length, 2);
    }));

  test("verifyLog names the changed record after the trigger is disabled", () =>
    withStore(harness.open, async (store) => {
      const subject = freshSubject();
      await appendIn(store, subject, 3);
      const partition = partitionOf(subject);
      const [, second] = await collect(store.readLog(partition));
      assert.ok(second !== undefined);

      await harness.raw(
        store,
        `ALTER TABLE decision_log DISABLE TRIGGER decision_log_append_only;
         UPDATE decision_log SET body = replace(body, '"act"', '"suppress"')
           WHERE partition = ${partition} AND seq = 2;
         ALTER TABLE decision_log ENABLE TRIGGER decision_log_append_only;`,
      );
      const report = await verifyLog(store);

      assert.equal(report.ok, false);
      assert.deepEqual(
        report.firstBreak && {
          partition: report.firstBreak.partition,
          seq: report.firstBreak.seq,
          decisionId: report.firstBreak.decisionId,
          problem: report.firstBreak.problem,
        },
        { partition, seq: 2, decisionId: second.decisionId, problem: "changed" },
      );
    }));

  /** Runs `change` on the log with its append-only trigger off, as someone with DDL rights. */
  const tamper = (store: Store, change: string) =>
    harness.raw(
      store,
      `ALTER TABLE decision_log DISABLE TRIGGER decision_log_append_only;
       ${change};
       ALTER TABLE decision_log ENABLE TRIGGER decision_log_append_only;`,
    );

  // The hash covers only the body; these columns are copies the lookups read (a subject's
  // decisions go by subject_id), so verify must hold each to the body.
  const columnEdits = [
    ["subject_id", "subject_id = 'someone-else'"],
    ["recorded_at", "recorded_at = 0"],
    ["trace_id", "trace_id = 'trace-forged'"],
    ["trace_id", "trace_id = NULL"],
  ] as const;
  for (const [column, set] of columnEdits) {
    test(`verifyLog names the record whose ${column} column was edited (${set})`, () =>
      withStore(harness.open, async (store) => {
        const subject = freshSubject();
        const entries = [1, 2, 3].map((n) => logEntry(subject, { traceId: `trace-${n}` }));
        for (const entry of entries)
          await store.withSubject(subject, (tx) => tx.appendDecision(entry));
        const partition = partitionOf(subject);
        await tamper(
          store,
          `UPDATE decision_log SET ${set} WHERE partition = ${partition} AND seq = 2`,
        );

        const report = await verifyLog(store);
        assert.equal(report.ok, false);
        const { detail, ...at } = report.firstBreak ?? { detail: "" };
        assert.deepEqual(at, {
          partition,
          seq: 2,
          decisionId: entries[1]?.decisionId,
          problem: "changed",
        });
        assert.equal(detail, `its ${column} column differs from its hashed body`);
      }));
  }

  test("verifyLog sees a chain moved whole to another partition, its head moved too", () =>
    withStore(harness.open, async (store) => {
      const subject = freshSubject();
      const entry = logEntry(subject);
      await store.withSubject(subject, (tx) => tx.appendDecision(entry));
      const partition = partitionOf(subject);
      const elsewhere = (partition + 1) % PARTITION_COUNT;
      await tamper(store, `UPDATE decision_log SET partition = ${elsewhere}`);
      await harness.raw(store, `UPDATE log_heads SET partition = ${elsewhere}`);

      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      const { detail, ...at } = report.firstBreak ?? { detail: "" };
      assert.deepEqual(at, {
        partition: elsewhere,
        seq: 1,
        decisionId: entry.decisionId,
        problem: "changed",
      });
      assert.match(detail, new RegExp(`its hashed subject belongs to ${partition}$`));
    }));

  test("two processes appending to one partition at once never fork the chain", () =>
    withTwoProcesses(async (one, two) => {
      const first = freshSubject();
      const subjects = [first, ...Array.from({ length: 7 }, () => subjectFor(partitionOf(first)))];
      const writers = subjects.map((subject, i) => appendIn(i % 2 === 0 ? one : two, subject, 15));
      await Promise.all(writers);

      const records = await collect(one.readLog(partitionOf(first)));
      assert.deepEqual(
        records.map((r) => r.seq),
        records.map((_, i) => i + 1),
      );
      assert.equal(records.length, 8 * 15);
      assert.deepEqual(await verifyLog(two), { ok: true, partitions: 1, records: 8 * 15 });
    }));

  test("group transactions locking subjects in opposite orders do not deadlock", () =>
    withTwoProcesses(async (one, two) => {
      const subjects = Array.from({ length: 6 }, () => freshSubject());
      const reversed = [...subjects].reverse();
      const group = (store: Store, ids: readonly string[]) =>
        store.withSubjects(ids, async (tx) => {
          for (const id of ids) await tx.subject(id).appendDecision(logEntry(id));
        });
      const rounds = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? group(one, subjects) : group(two, reversed),
      );
      await Promise.all(rounds);

      const report = await verifyLog(one);
      assert.deepEqual([report.ok, report.records], [true, 60]);
    }));
});

describe("postgres store: concurrency across processes", () => {
  test("8 requests for one subject over two processes under a cap of 5 give exactly 5 sends", () =>
    withTwoProcesses(async (one, two) => {
      for (let round = 0; round < 50; round += 1) {
        const subject = freshSubject();
        const requests = Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? one : two).withSubject(subject, async (tx) => {
            const sent = await tx.sends(T0 - DAY);
            await new Promise((resolve) => setImmediate(resolve));
            if (sent.length >= 5) return false;
            const send = { at: T0 + i, channel: "email", nodeId: "n", basis: "consent" } as const;
            await tx.recordSend({ ...send, decisionId: `dec-${round}-${i}` });
            return true;
          }),
        );
        const acted = (await Promise.all(requests)).filter(Boolean).length;
        const sends = await one.withSubject(subject, (tx) => tx.sends(T0 - DAY));
        assert.deepEqual([acted, sends.length], [5, 5], `round ${round}`);
      }
    }));

  test("workers in two processes claiming at once never get the same delivery", () =>
    withTwoProcesses(async (one, two) => {
      const subject = freshSubject();
      await one.withSubject(subject, async (tx) => {
        for (let i = 0; i < 40; i += 1) {
          await tx.enqueueDelivery(delivery(subject, { idempotencyKey: `k-${i}`, dueAt: T0 + i }));
        }
      });
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? one : two).claimDeliveries(T0 + 100, 5, 60_000),
        ),
      );
      const ids = claims.flat().map((claimed) => claimed.deliveryId);

      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40);
      assert.deepEqual(await two.claimDeliveries(T0 + 100, 5, 60_000), []);
    }));

  test("a subject's stored event is visible to another process once committed", () =>
    withTwoProcesses(async (one, two) => {
      const subject = freshSubject();
      const happened = event(subject);
      await one.withSubject(subject, (tx) => tx.insertEvent(happened));
      assert.equal(await two.withSubject(subject, (tx) => tx.insertEvent(happened)), "duplicate");
    }));
});
