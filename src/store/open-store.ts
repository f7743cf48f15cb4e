import { resolve } from "node:path";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/** The default database: one SQLite file under `./.assent/`, created on first start. */
export const DEFAULT_SQLITE_PATH = ".assent/assent.db";

/**
 * Opens and migrates the store a connection string names: a `postgres://` or `postgresql://`
 * URL selects PostgreSQL, anything else is a SQLite file path. Without one, the
 * `ASSENT_DATABASE_URL` environment variable, else the SQLite default.
 */
export async function openStore(db?: string): Promise<Store> {
  const target = db ?? process.env.ASSENT_DATABASE_URL ?? DEFAULT_SQLITE_PATH;
  const store = /^postgres(ql)?:\/\//.test(target)
    ? await openPostgresStore({ url: target })
    : await openSqliteStore({ path: resolve(target), synchronous: "normal" });
  await store.migrate();
  return store;
}
