import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { PARTITION_COUNT, partitionOf } from "../../src/decision-log/chain.ts";
import { verifyLog } from "../../src/decision-log/verify.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import { freshSubject, logEntry } from "./contract-fixtures.ts";
import { describeStoreContract } from "./store-contract.ts";

const root = mkdtempSync(join(tmpdir(), "assent-sqlite-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A path in a folder that does not exist yet. */
function freshPath(): string {
  return join(root, randomUUID(), "nested", "assent.db");
}

/** Runs raw SQL on the store's file through a connection of its own. */
async function raw(store: Store, sql: string, ...params: (string | number)[]): Promise<void> {
  const db = new Database(store.location);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describeStoreContract("sqlite", () => openSqliteStore({ path: freshPath() }), {
  rawUpdateLog: (store, partition, seq) =>
    raw(
      store,
      "UPDATE decision_log SET body = '{}' WHERE partition = ? AND seq = ?",
      partition,
      seq,
    ),
  rawDeleteLog: (store, partition, seq) =>
    raw(store, "DELETE FROM decision_log WHERE partition = ? AND seq = ?", partition, seq),
});

describe("sqlite store", () => {
  test("the file and its folder are created on first start, and location is its absolute path", async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    try {
      assert.ok(existsSync(path));
      assert.equal(store.location, path);
      assert.equal(store.kind, "sqlite");
    } finally {
      await store.close();
    }
  });

  test("the database runs in WAL mode", async () => {
    const store = await openSqliteStore({ path: freshPath() });
    await store.close();
    const db = new Database(store.location, { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });

  test("migrations are idempotent across reopen, and data survives", async () => {
    const path = freshPath();
    const subject = freshSubject();
    const first = await openSqliteStore({ path });
    await first.migrate();
    await first.withSubject(subject, (tx) => tx.appendDecision(logEntry(subject)));
    await first.close();

    const second = await openSqliteStore({ path });
    await second.migrate();
    assert.equal((await second.decisionsOf(subject, 10)).length, 1);
    await second.close();
    const db = new Database(path, { readonly: true });
    const versions = db
      .prepare("SELECT version FROM schema_migrations ORDER BY version")
      .pluck()
      .all();
    db.close();
    assert.deepEqual(
      versions,
      MIGRATIONS.map((step) => step.version),
    );
  });

  test("a database migrated by a newer build is refused", async () => {
    const path = freshPath();
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (999, 'future', 0)").run();
    db.close();
    await assert.rejects(
      openSqliteStore({ path }),
      (error) => error instanceof StoreError && error.code === "schema_too_new",
    );
  });

  test("log verify names the record whose stored body changed by one byte", async () => {
    const store = await openSqliteStore({ path: freshPath() });
    try {
      const subject = freshSubject();
      const entries = [logEntry(subject), logEntry(subject), logEntry(subject)];
      for (const entry of entries)
        await store.withSubject(subject, (tx) => tx.appendDecision(entry));
      const partition = partitionOf(subject);
      await raw(store, "DROP TRIGGER decision_log_no_update");
      await raw(
        store,
        'UPDATE decision_log SET body = replace(body, \'"outcome":"act"\', \'"outcome":"acu"\') WHERE partition = ? AND seq = 2',
        partition,
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
        { partition, seq: 2, decisionId: entries[1]?.decisionId, problem: "changed" },
      );
    } finally {
      await store.close();
    }
  });

  // The hash covers only the body; these columns are copies the lookups read (a subject's
  // decisions go by subject_id), so verify must hold each to the body.
  const columnEdits = [
    ["subject_id", "subject_id = 'someone-else'"],
    ["recorded_at", "recorded_at = 0"],
    ["trace_id", "trace_id = 'trace-forged'"],
    ["trace_id", "trace_id = NULL"],
  ] as const;
  for (const [column, set] of columnEdits) {
    test(`log verify names the record whose ${column} column was edited (${set})`, async () => {
      const store = await openSqliteStore({ path: freshPath() });
      try {
        const subject = freshSubject();
        const entries = [1, 2, 3].map((n) => logEntry(subject, { traceId: `trace-${n}` }));
        for (const entry of entries)
          await store.withSubject(subject, (tx) => tx.appendDecision(entry));
        const partition = partitionOf(subject);
        await raw(store, "DROP TRIGGER decision_log_no_update");
        await raw(
          store,
          `UPDATE decision_log SET ${set} WHERE partition = ? AND seq = 2`,
          partition,
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
      } finally {
        await store.close();
      }
    });
  }

  test("log verify sees a chain moved whole to another partition, its head moved too", async () => {
    const store = await openSqliteStore({ path: freshPath() });
    try {
      const subject = freshSubject();
      const entry = logEntry(subject);
      await store.withSubject(subject, (tx) => tx.appendDecision(entry));
      const partition = partitionOf(subject);
      const elsewhere = (partition + 1) % PARTITION_COUNT;
      await raw(store, "DROP TRIGGER decision_log_no_update");
      await raw(store, "UPDATE decision_log SET partition = ?", elsewhere);
      await raw(store, "UPDATE log_heads SET partition = ?", elsewhere);

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
    } finally {
      await store.close();
    }
  });

  test("log verify sees records cut from the end of a chain, and a chain removed whole", async () => {
    const store = await openSqliteStore({ path: freshPath() });
    try {
      const subject = freshSubject();
      for (let n = 0; n < 3; n += 1) {
        await store.withSubject(subject, (tx) => tx.appendDecision(logEntry(subject)));
      }
      const partition = partitionOf(subject);
      await raw(store, "DROP TRIGGER decision_log_no_delete");
      await raw(store, "DELETE FROM decision_log WHERE partition = ? AND seq = 3", partition);
      const cut = await verifyLog(store);
      assert.equal(cut.firstBreak?.problem, "removed");
      assert.equal(cut.firstBreak?.seq, 3);
      assert.match(cut.firstBreak?.detail ?? "", /record 3 at the end of the chain is missing/);

      await raw(store, "DELETE FROM decision_log WHERE partition = ?", partition);
      const gone = await verifyLog(store);
      assert.equal(gone.firstBreak?.partition, partition);
      assert.match(gone.firstBreak?.detail ?? "", /the whole chain is missing/);
    } finally {
      await store.close();
    }
  });

  test("a closed store refuses work", async () => {
    const store = await openSqliteStore({ path: freshPath() });
    await store.close();
    await assert.rejects(store.outboxDepth(), StoreError);
    await assert.rejects(
      store.withSubject("sub-x", async () => 1),
      StoreError,
    );
  });
});
