import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { AppError } from "../app/errors.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/** The default database: one SQLite file under `./.assent/`, created on first start. */
export const DEFAULT_SQLITE_PATH = ".assent/assent.db";

export interface OpenStoreOptions {
  /** Refuse a SQLite path with no database rather than create one. */
  readonly mustExist?: boolean;
  /**
   * For commands that only read: implies `mustExist`, and no master key file is made. Without
   * a key, reads that need none work; one that must open sealed data fails saying the key is
   * missing (a fresh key could open nothing, and would make the real one look wrong later).
   */
  readonly readOnly?: boolean;
}

/**
 * Opens and migrates the store a connection string names: a `postgres://` or `postgresql://`
 * URL selects PostgreSQL, anything else is a SQLite file path. Without one, the
 * `ASSENT_DATABASE_URL` environment variable, else the SQLite default.
 */
export async function openStore(db?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = db ?? process.env.ASSENT_DATABASE_URL ?? DEFAULT_SQLITE_PATH;
  const makeMasterKey = options.readOnly !== true;
  if (/^postgres(ql)?:\/\//.test(target)) return openPostgres(target, makeMasterKey);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.trim() === "") {
    throw new AppError("invalid_request", "--db takes a SQLite file path or a postgres:// URL", [
      {
        pointer: "--db",
        expected: "a file path, or postgres://user@host:port/database[?schema=name]",
      },
    ]);
  }
  const path = resolve(target);
  const mustExist = options.mustExist === true || options.readOnly === true;
  if (mustExist && !existsSync(path)) {
    throw new AppError("not_found", `no database at ${path}`, [
      { pointer: "--db", expected: "an existing SQLite file (or ASSENT_DATABASE_URL)" },
    ]);
  }
  const store = await openSqliteStore({ path, synchronous: "normal", makeMasterKey });
  await store.migrate();
  return store;
}

/** `?schema=name` selects (and creates) a schema; the rest of the URL goes to pg as it is. */
async function openPostgres(target: string, makeMasterKey: boolean): Promise<Store> {
  const url = new URL(target);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  const store = await openPostgresStore({ url: url.toString(), schema, makeMasterKey });
  await store.migrate();
  return store;
}
