import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { AppError } from "../app/errors.ts";
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
export async function openStore(
  db?: string,
  options: { mustExist?: boolean } = {},
): Promise<Store> {
  const target = db ?? process.env.ASSENT_DATABASE_URL ?? DEFAULT_SQLITE_PATH;
  if (/^postgres(ql)?:\/\//.test(target)) return openPostgres(target);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.trim() === "") {
    throw new AppError("invalid_request", "--db takes a SQLite file path or a postgres:// URL", [
      {
        pointer: "--db",
        expected: "a file path, or postgres://user@host:port/database[?schema=name]",
      },
    ]);
  }
  const path = resolve(target);
  if (options.mustExist === true && !existsSync(path)) {
    throw new AppError("not_found", `no database at ${path}`, [
      { pointer: "--db", expected: "an existing SQLite file (or ASSENT_DATABASE_URL)" },
    ]);
  }
  const store = await openSqliteStore({ path, synchronous: "normal" });
  await store.migrate();
  return store;
}

/** `?schema=name` selects (and creates) a schema; the rest of the URL goes to pg as it is. */
async function openPostgres(target: string): Promise<Store> {
  const url = new URL(target);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  const store = await openPostgresStore({ url: url.toString(), schema });
  await store.migrate();
  return store;
}
