import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";

/**
 * Fresh PostgreSQL schemas for one test file: every `open()` migrates a new schema named after
 * the file's random prefix, and `dropAll()` removes every schema with that prefix at the end.
 * The server comes from ASSENT_TEST_DATABASE_URL, else the local trust-auth `test` database.
 */
export const TEST_URL =
  process.env.ASSENT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface PostgresHarness {
  /** A fresh, migrated, empty store in a schema of its own. */
  open(): Promise<Store>;
  /** A second store (another pool, like another process) on the schema of `store`. */
  reopen(store: Store): Promise<Store>;
  /** The schema of a store this harness opened. */
  schemaOf(store: Store): string;
  /** Raw SQL on the schema of `store`, beneath the Store interface. */
  raw(store: Store, text: string, values?: unknown[]): Promise<pg.QueryResult>;
  dropAll(): Promise<void>;
}

export function postgresHarness(): PostgresHarness {
  const prefix = `assent_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: TEST_URL, max: 2 });
  const schemas = new Map<Store, string>();
  let count = 0;

  const openIn = async (schema: string) => {
    const store = await openPostgresStore({ url: TEST_URL, schema, poolSize: 10 });
    schemas.set(store, schema);
    return store;
  };
  const schemaOf = (store: Store) => {
    const schema = schemas.get(store);
    if (schema === undefined) throw new Error("this store was not opened by the harness");
    return schema;
  };

  return {
    open: () => openIn(`${prefix}_${++count}`),
    reopen: (store) => openIn(schemaOf(store)),
    schemaOf,
    raw: async (store, text, values) => {
      const client = await admin.connect();
      try {
        await client.query(`SET search_path TO ${schemaOf(store)}`);
        return await (values === undefined ? client.query(text) : client.query(text, values));
      } finally {
        client.release();
      }
    },
    dropAll: async () => {
      const found = await admin.query<{ name: string }>(
        "SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)",
        [prefix],
      );
      for (const { name } of found.rows) await admin.query(`DROP SCHEMA "${name}" CASCADE`);
      await admin.end();
    },
  };
}
