import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
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

/** What a `--db` value names: a PostgreSQL URL (and its schema) or a SQLite file. */
export type StoreTarget =
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string | undefined }
  | { readonly kind: "sqlite"; readonly path: string };

/**
 * The database a connection string names: a `postgres://` or `postgresql://` URL selects
 * PostgreSQL (`?schema=name` a schema of its own), anything else is a SQLite file path. Without
 * one, the `ASSENT_DATABASE_URL` environment variable, else the SQLite default.
 */
export function storeTarget(db?: string): StoreTarget {
  const target = db ?? process.env.ASSENT_DATABASE_URL ?? DEFAULT_SQLITE_PATH;
  if (/^postgres(ql)?:\/\//.test(target)) {
    const url = new URL(target);
    const schema = url.searchParams.get("schema") ?? undefined;
    url.searchParams.delete("schema");
    return { kind: "postgres", url: url.toString(), schema };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.trim() === "") {
    throw new AppError("invalid_request", "--db takes a SQLite file path or a postgres:// URL", [
      {
        pointer: "--db",
        expected: "a file path, or postgres://user@host:port/database[?schema=name]",
      },
    ]);
  }
  return { kind: "sqlite", path: resolve(target) };
}

/** Opens and migrates the store a connection string names (see `storeTarget`). */
export async function openStore(db?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = storeTarget(db);
  const readOnly = options.readOnly === true;
  if (target.kind === "postgres") {
    if (readOnly) await assertAssentSchema(target);
    return openPostgres(target, !readOnly);
  }
  const { path } = target;
  if ((options.mustExist === true || readOnly) && !existsSync(path)) {
    throw new AppError("not_found", `no database at ${path}`, [
      { pointer: "--db", expected: "an existing SQLite file (or ASSENT_DATABASE_URL)" },
    ]);
  }
  if (readOnly) assertAssentFile(path, db ?? path);
  return openSqlite(path, db ?? path, !readOnly);
}

/**
 * A read-only command opens only a database Assent wrote (it has `schema_migrations`): opening
 * another would migrate Assent's tables into it and report on them, e.g. "OK: 0 decisions".
 */
function assertAssentFile(path: string, name: string): void {
  if (statSync(path).isDirectory())
    throw notSqlite(`${name} is a folder, not a SQLite database file`);
  let found: unknown;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      found = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations'").get();
    } finally {
      db.close();
    }
  } catch (error: unknown) {
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    if (code === "SQLITE_NOTADB") throw notSqlite(`${name} is not a SQLite database`);
    throw error;
  }
  if (found === undefined) throw notAssent(name);
}

/** The PostgreSQL counterpart of {@link assertAssentFile}: the schema must hold Assent's tables. */
async function assertAssentSchema(target: { url: string; schema: string | undefined }) {
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    // Without a schema, the connection's search path finds the tables, as the store's does.
    const table =
      target.schema === undefined ? "schema_migrations" : `${target.schema}.schema_migrations`;
    const { rows } = await client.query<{ found: string | null }>(
      "SELECT to_regclass($1)::text AS found",
      [table],
    );
    if (rows[0]?.found == null)
      throw notAssent(target.schema === undefined ? "this database" : `schema ${target.schema}`);
  } finally {
    await client.end();
  }
}

function notAssent(name: string): AppError {
  return new AppError("not_found", `${name} holds no Assent database (no schema_migrations)`, [
    { pointer: "--db", expected: "a database Assent wrote (serve or replay make one)" },
  ]);
}

/** Opens and migrates a SQLite file; a path that holds no database is named as it was given. */
async function openSqlite(path: string, name: string, makeMasterKey: boolean): Promise<Store> {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw notSqlite(`${name} is a folder, not a SQLite database file`);
  }
  try {
    const store = await openSqliteStore({ path, synchronous: "normal", makeMasterKey });
    await store.migrate();
    return store;
  } catch (error: unknown) {
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    if (code === "SQLITE_NOTADB") throw notSqlite(`${name} is not a SQLite database`);
    throw error;
  }
}

function notSqlite(message: string): AppError {
  return new AppError("invalid_request", message, [
    { pointer: "--db", expected: "a SQLite database file, or a postgres:// URL" },
  ]);
}

async function openPostgres(
  target: { readonly url: string; readonly schema: string | undefined },
  makeMasterKey: boolean,
): Promise<Store> {
  const store = await openPostgresStore({ url: target.url, schema: target.schema, makeMasterKey });
  await store.migrate();
  return store;
}
