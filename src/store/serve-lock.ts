import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { AppError } from "../app/errors.ts";
import type { StoreTarget } from "./open-store.ts";
import { redactedUrl } from "./postgres/postgres-store.ts";

/**
 * Who holds a database. Servers share it: several `serve` processes may run on one PostgreSQL
 * database. A replay holds it alone: its clock is the file's, so a live server's timer clock and
 * outbox worker would fire its timers on the wall clock and deliver its simulated messages.
 */
export type LockHolder = "serve" | "replay";

/** A lock on a database, held until released or until the process ends. */
export interface ServeLock {
  release(): Promise<void>;
}

/**
 * Takes the lock of the database `target` names, shared for `serve` and exclusive for `replay`,
 * without waiting: a conflict throws an AppError (`conflict`) that says who holds it and what to
 * do. SQLite: a lock on the file `DB.lock` beside the database, taken by SQLite itself, so the
 * operating system drops it when a process dies (the file stays, and must stay: deleting it while
 * another process has it open would split the lock in two); each server also lists its pid in
 * `DB.pid`, one line per server, so that a refused replay can name them. PostgreSQL: a session
 * advisory lock on a connection of its own, keyed by the schema.
 *
 * @example const lock = await holdServeLock(storeTarget(flags.db), "replay");
 */
export async function holdServeLock(target: StoreTarget, holder: LockHolder): Promise<ServeLock> {
  if (target.kind === "sqlite") return lockSqliteFile(target.path, holder);
  return lockPostgresSchema(target, holder);
}

// ---------------------------------------------------------------- SQLite

function lockSqliteFile(path: string, holder: LockHolder): ServeLock {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(`${path}.lock`, { timeout: 0 });
  try {
    // A read transaction holds SQLite's SHARED lock; EXCLUSIVE needs every SHARED gone.
    if (holder === "serve") db.exec("BEGIN").prepare("SELECT count(*) FROM sqlite_master").get();
    else db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if (!isSqliteBusy(error)) throw error;
    const pids = [...new Set(readPids(`${path}.pid`).filter(isLive))];
    throw refusal(
      holder,
      path,
      pids.map((pid) => ({ holder: "serve", pid })),
    );
  }
  if (holder === "serve") addPid(`${path}.pid`, process.pid);
  return {
    release: async () => {
      db.close();
      if (holder === "serve") removePid(`${path}.pid`, process.pid);
    },
  };
}

function isSqliteBusy(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "SQLITE_BUSY";
}

/*
 * `DB.pid` lists the servers of a database, one pid a line (one line per lock held, so a process
 * holding two has two). The file is read and rewritten without a lock of its own: two servers
 * starting or stopping at the same instant may lose a line, and a replay refused then names one
 * server fewer. It only words the refusal (the lock itself is `DB.lock`), so that is accepted.
 */

/** The pids the servers wrote beside the database, in the order they started; none if no file. */
function readPids(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Adds a server's line, dropping those of servers killed outright (they never removed theirs). */
function addPid(file: string, pid: number): void {
  writePids(file, [...readPids(file).filter(isLive), pid]);
}

/** Removes one line of this server's, and no other: the file goes with the last line. */
function removePid(file: string, pid: number): void {
  const pids = readPids(file);
  const mine = pids.indexOf(pid);
  if (mine === -1) return;
  pids.splice(mine, 1);
  writePids(file, pids);
}

function writePids(file: string, pids: readonly number[]): void {
  if (pids.length === 0) rmSync(file, { force: true });
  else writeFileSync(file, pids.map((pid) => `${pid}\n`).join(""));
}

/** Whether that process still runs: a server killed outright leaves its line behind. */
function isLive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    return code === "EPERM";
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** Advisory lock namespace of the serve lock ("SERV"); see postgres-locks.ts for the others. */
const SERVE_NAMESPACE = 0x5345_5256;

interface PostgresTarget {
  readonly url: string;
  readonly schema: string | undefined;
}

async function lockPostgresSchema(target: PostgresTarget, holder: LockHolder): Promise<ServeLock> {
  const client = new pg.Client({
    connectionString: target.url,
    // Lets a refused replay name the servers' pids.
    application_name: `assent ${holder} pid ${process.pid}`,
  });
  // A dropped connection drops the lock (a replay could then start beside this server): rare on
  // a database link, and the server's own pool heals; ending the server for it would be worse.
  client.on("error", () => {});
  await client.connect();
  try {
    await takeAdvisoryLock(client, target, holder);
  } catch (error) {
    await client.end();
    throw error;
  }
  return { release: () => client.end() };
}

async function takeAdvisoryLock(
  client: pg.Client,
  target: PostgresTarget,
  holder: LockHolder,
): Promise<void> {
  const key = schemaLockKey(target.schema);
  const take = holder === "serve" ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
  const { rows } = await client.query<{ held: boolean }>(
    `SELECT ${take}($1::integer, $2::integer) AS held`,
    [SERVE_NAMESPACE, key],
  );
  if (rows[0]?.held === true) return;
  throw refusal(holder, postgresWhere(target), await lockHolders(client, key));
}

/** Advisory locks are per database: the key tells schemas apart (no schema: the search path). */
function schemaLockKey(schema: string | undefined): number {
  return createHash("sha256")
    .update(schema ?? "", "utf8")
    .digest()
    .readInt32BE(0);
}

/** The processes holding the lock, as their connections' application names say. */
async function lockHolders(client: pg.Client, key: number): Promise<Holder[]> {
  const { rows } = await client.query<{ name: string | null }>(
    `SELECT DISTINCT a.application_name AS name
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = $1::oid AND l.objid = $2::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [SERVE_NAMESPACE, key >>> 0],
  );
  return rows.flatMap(({ name }) => {
    const found = /^assent (serve|replay) pid (\d+)$/.exec(name ?? "");
    const holder = found?.[1] === "serve" ? "serve" : "replay";
    return found?.[2] === undefined ? [] : [{ holder, pid: Number(found[2]) }];
  });
}

function postgresWhere(target: PostgresTarget): string {
  const schema = target.schema === undefined ? "" : ` (schema ${target.schema})`;
  return `${redactedUrl(target.url)}${schema}`;
}

// ---------------------------------------------------------------- the refusal

/** A process holding the lock, when known. */
interface Holder {
  readonly holder: LockHolder;
  readonly pid: number;
}

function refusal(holder: LockHolder, where: string, holders: readonly Holder[]): AppError {
  if (holder === "serve") {
    return new AppError("conflict", `a replay is writing to ${where}`, [
      { pointer: "--db", expected: "a database no replay is writing to: serve it when it is done" },
    ]);
  }
  return new AppError("conflict", `${where} ${holdersText(holders)}`, [
    {
      pointer: "--db",
      expected:
        "a database no server is serving: stop the server first, or replay into a database of its own (--db)",
    },
  ]);
}

/** "is being served by assent serve (pid 12)", or who it may be when not known. */
function holdersText(holders: readonly Holder[]): string {
  if (holders.length === 0) return "is in use by a running assent serve or replay";
  const serving = holders.every(({ holder }) => holder === "serve");
  const pids = holders.map(({ pid }) => pid).join(", ");
  const who = serving ? "is being served by assent serve" : "is in use by assent replay";
  return `${who} (pid${holders.length > 1 ? "s" : ""} ${pids})`;
}
