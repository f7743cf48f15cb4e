/**
 * Durable replay benchmark: a simulated SaaS stream replayed through the whole pipeline into a
 * fresh SQLite file (events/s), against the raw better-sqlite3 insert rate of the very rows that
 * replay wrote, into a fresh file with the same schema and pragmas, in as many transactions.
 * Run with `npm run bench`; sizes from BENCH_REPLAY_SUBJECTS, BENCH_REPLAY_DAYS, BENCH_REPLAY_GROUP.
 * The replay is timed whole, the file's check (parse, validate) included; both sides run once on
 * a small stream first, so that what is timed is the steady rate, not the compiler warming up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type App, createApp } from "../src/app/app.ts";
import { loadDeploymentFromDir } from "../src/playbook/loader.ts";
import { type DurableReplayReport, replayDurably } from "../src/replay/durable-replay.ts";
import { openStore } from "../src/store/open-store.ts";
import { migrateSqlite } from "../src/store/sqlite/migrations.ts";
import { envNumber, format, printBlock, verdict, writeSaasReplay } from "./support.ts";

const SUBJECTS = envNumber("BENCH_REPLAY_SUBJECTS", 2000);
const DAYS = envNumber("BENCH_REPLAY_DAYS", 30);
const GROUP = envNumber("BENCH_REPLAY_GROUP", 500);
/** Subjects of the warm-up stream replayed (and inserted raw) before the timed runs. */
const WARM_SUBJECTS = 300;

/** One table's rows as the replay left them, in insertion order. */
interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly unknown[][];
}

interface DurableRun {
  readonly report: DurableReplayReport;
  /** CPU milliseconds (user + system) the process spent during the replay. */
  readonly cpuMs: number;
  /** Wall milliseconds of the whole replay: reading and checking the file, then the run. */
  readonly wallMs: number;
  /** Transactions the replay committed: one per group (timers and deferrals come due inside it). */
  readonly transactions: number;
}

/** Counts the app's transactions without changing what it does. */
function countingApp(app: App, counter: { transactions: number }): App {
  return {
    ...app,
    replayGroup: (items, onFired) => {
      counter.transactions += 1;
      return app.replayGroup(items, onFired);
    },
    tick: (now) => {
      counter.transactions += 1;
      return app.tick(now);
    },
  };
}

async function replayIntoSqlite(file: string, db: string): Promise<DurableRun> {
  const deployment = loadDeploymentFromDir("examples");
  const store = await openStore(db);
  const counter = { transactions: 0 };
  const app = countingApp(createApp({ store, deployment, clock: Date.now }), counter);
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await replayDurably(app, deployment.catalog, file, { groupSize: GROUP });
    const wallMs = performance.now() - started;
    return { report, cpuMs: cpuMsSince(cpu), wallMs, transactions: counter.transactions };
  } finally {
    await store.close();
  }
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * Every row of every application table the replay wrote: not the migration ledger, nor the chain
 * heads, which the decision log's own trigger writes again as the raw inserts replay the log.
 */
function readWrittenRows(path: string): TableRows[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_schema WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'log_heads')
         ORDER BY name`,
      )
      .all()
      .map((row) => row.name);
    return tables.map((table) => {
      const columns = db
        .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
        .all()
        .map((row) => row.name);
      const rows = db.prepare<[], unknown[]>(`SELECT * FROM "${table}"`).raw().all();
      return { table, columns, rows };
    });
  } finally {
    db.close();
  }
}

/** The same pragmas and schema the store opens with (synchronous NORMAL, as `openStore` sets). */
function openRawTarget(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  migrateSqlite(db, Date.now);
  return db;
}

/** Wall-clock and CPU milliseconds of one timed run. */
interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

/**
 * Inserts every table's rows in `transactions` transactions, each holding the same share of
 * every table, as a replay group writes some rows of each.
 */
function insertRaw(path: string, tables: readonly TableRows[], transactions: number): Timing {
  const db = openRawTarget(path);
  try {
    const inserts = tables.map(({ table, columns }) => {
      const marks = columns.map(() => "?").join(", ");
      return db.prepare<unknown[]>(
        `INSERT INTO "${table}" (${columns.join(", ")}) VALUES (${marks})`,
      );
    });
    const slice = db.transaction((part: number) => {
      tables.forEach(({ rows }, index) => {
        const from = Math.floor((part * rows.length) / transactions);
        const to = Math.floor(((part + 1) * rows.length) / transactions);
        for (let row = from; row < to; row += 1) inserts[index]?.run(...(rows[row] ?? []));
      });
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let part = 0; part < transactions; part += 1) slice.immediate(part);
    return { ms: performance.now() - started, cpuMs: cpuMsSince(cpu) };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "assent-bench-replay-"));
  try {
    const file = join(dir, "saas.ndjson");
    process.stdout.write(`replay: simulating SaaS, ${SUBJECTS} subjects × ${DAYS} days…\n`);
    const lines = await writeSaasReplay(file, SUBJECTS, DAYS);

    // Both sides first run once on a small stream, so that neither is timed while compiling.
    const warmFile = join(dir, "warm.ndjson");
    await writeSaasReplay(warmFile, WARM_SUBJECTS, DAYS);
    const warm = await replayIntoSqlite(warmFile, join(dir, "warm.db"));
    insertRaw(join(dir, "warm-raw.db"), readWrittenRows(join(dir, "warm.db")), warm.transactions);

    const durable = await replayIntoSqlite(file, join(dir, "replay.db"));
    const tables = readWrittenRows(join(dir, "replay.db"));
    const raw = insertRaw(join(dir, "raw.db"), tables, durable.transactions);
    report(lines, durable, tables, raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(lines: number, durable: DurableRun, tables: readonly TableRows[], raw: Timing) {
  const { report, transactions, wallMs } = durable;
  const rows = tables.reduce((sum, { rows }) => sum + rows.length, 0);
  const perTable = tables.map(({ table, rows }) => `${table} ${format(rows.length)}`).join(", ");
  // The whole replay, as a user waits for it: the file's check (parse, validate) included.
  const replayRate = report.events / (wallMs / 1000);
  const rawEventRate = report.events / (raw.ms / 1000);
  const ratio = replayRate / rawEventRate;
  const consent = report.items - report.events;
  printBlock([
    [
      "replay file",
      `${format(lines)} lines: ${format(report.events)} events, ${format(consent)} consent records`,
    ],
    ["durable replay", `${format(replayRate)} events/s`],
    [
      "  detail",
      `${format(wallMs)} ms wall (of which ${format(report.elapsedMs)} ms after the file's check), ${format(durable.cpuMs)} ms CPU; ${format(report.decisions)} decisions; group ${GROUP}, ${format(transactions)} transactions; synchronous=NORMAL`,
    ],
    ["rows written", `${format(rows)}: ${perTable}`],
    [
      "raw better-sqlite3",
      `${format(rows / (raw.ms / 1000))} rows/s = ${format(rawEventRate)} events/s equivalent`,
    ],
    [
      "  detail",
      `${format(raw.ms)} ms wall, ${format(raw.cpuMs)} ms CPU; same rows, schema, pragmas, transaction count`,
    ],
    ["ratio", `${ratio.toFixed(2)}× the raw insert rate`],
    [
      "targets",
      `≥ 20,000 events/s and ≥ 0.5× raw: ${verdict(replayRate >= 20_000 && ratio >= 0.5)}`,
    ],
  ]);
}

await main();
