import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { AppError } from "../../src/app/errors.ts";
import { openStore } from "../../src/store/open-store.ts";
import { TEST_URL } from "../contract/postgres-support.ts";

/**
 * Read-only commands (log verify, explain, timers) open only a database Assent wrote: any other
 * would have Assent's tables migrated into it and be reported on as an empty log ("OK: 0").
 */

const root = mkdtempSync(join(tmpdir(), "assent-read-only-open-"));
after(() => rmSync(root, { recursive: true, force: true }));

async function refusal(open: Promise<unknown>): Promise<AppError> {
  const error = await open.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof AppError, "the open must be refused");
  return error;
}

describe("a read-only open of a database Assent did not write", () => {
  test("an unrelated SQLite file is refused by the name given, and left as it was", async () => {
    const path = join(root, "other.db");
    const other = new Database(path);
    other.exec("CREATE TABLE t (x)");
    other.close();
    const before = readFileSync(path);

    const error = await refusal(openStore(path, { readOnly: true }));

    assert.equal(error.message, `${path} holds no Assent database (no schema_migrations)`);
    assert.deepEqual(error.fields, [
      { pointer: "--db", expected: "a database Assent wrote (serve or replay make one)" },
    ]);
    assert.deepEqual(readFileSync(path), before);
  });

  test("a SQLite file Assent wrote opens read-only", async () => {
    const path = join(root, "assent.db");
    await (await openStore(path)).close();
    const store = await openStore(path, { readOnly: true });
    assert.deepEqual(await store.logPartitions(), []);
    await store.close();
  });

  test("a PostgreSQL schema without Assent's tables is refused, and no table is made", async () => {
    const schema = `assent_ro_${randomBytes(5).toString("hex")}`;
    const url = `${TEST_URL}?schema=${schema}`;
    const admin = new pg.Client({ connectionString: TEST_URL });
    await admin.connect();
    try {
      const error = await refusal(openStore(url, { readOnly: true }));
      assert.equal(
        error.message,
        `schema ${schema} holds no Assent database (no schema_migrations)`,
      );
      const made = await admin.query(
        "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1",
        [schema],
      );
      assert.equal(made.rowCount, 0);

      await (await openStore(url)).close();
      const store = await openStore(url, { readOnly: true });
      assert.deepEqual(await store.logPartitions(), []);
      await store.close();
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
