import type Database from "better-sqlite3";
import { StoreError } from "../store-error.ts";
import { ERASURE_MIGRATION } from "./erasure-statements.ts";
import { TIMERS_MIGRATION } from "./timer-statements.ts";

/**
 * The SQLite schema as numbered steps. A step, once released, never changes: a new need is a new
 * step. Each applied step is recorded in `schema_migrations`, so `migrateSqlite` is idempotent.
 *
 * Instants are INTEGER epoch milliseconds (UTC); JSON is TEXT.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const events = `
CREATE TABLE events (
  event_id       TEXT    PRIMARY KEY,
  subject_id     TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  occurred_at    INTEGER NOT NULL,
  received_at    INTEGER NOT NULL,
  source         TEXT    NOT NULL,
  data           TEXT    NOT NULL,
  stored_at      INTEGER NOT NULL
);
CREATE INDEX events_by_subject ON events (subject_id, occurred_at);

CREATE TABLE attributes (
  subject_id TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  event_id   TEXT    NOT NULL,
  source     TEXT    NOT NULL,
  PRIMARY KEY (subject_id, name)
) WITHOUT ROWID;
`;

const consent = `
CREATE TABLE consent_records (
  id           TEXT    PRIMARY KEY,
  subject_id   TEXT    NOT NULL,
  purpose      TEXT    NOT NULL,
  channel      TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  captured_at  INTEGER NOT NULL,
  expires_at   INTEGER,
  express      INTEGER,
  jurisdiction TEXT,
  source       TEXT    NOT NULL,
  evidence     TEXT    NOT NULL
);
CREATE INDEX consent_records_by_subject ON consent_records (subject_id, captured_at);

CREATE TABLE suppressions (
  id         TEXT    PRIMARY KEY,
  subject_id TEXT    NOT NULL,
  reason     TEXT    NOT NULL,
  channel    TEXT    NOT NULL,
  since      INTEGER NOT NULL,
  lifted_at  INTEGER
);
CREATE INDEX suppressions_by_subject ON suppressions (subject_id, since);

CREATE TABLE contacts (
  subject_id   TEXT NOT NULL,
  channel      TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  PRIMARY KEY (subject_id, channel)
) WITHOUT ROWID;

CREATE TABLE gpc (
  subject_id TEXT    PRIMARY KEY,
  since      INTEGER NOT NULL
) WITHOUT ROWID;
`;

// Append-only by construction: the triggers refuse every UPDATE and DELETE, whatever the caller.
const decisionLog = `
CREATE TABLE decision_log (
  partition   INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  decision_id TEXT    NOT NULL UNIQUE,
  subject_id  TEXT    NOT NULL,
  trace_id    TEXT,
  prev_hash   TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (partition, seq)
);
CREATE INDEX decision_log_by_subject ON decision_log (subject_id, seq);

CREATE TRIGGER decision_log_no_update BEFORE UPDATE ON decision_log
BEGIN SELECT RAISE(ABORT, 'decision log records are never updated'); END;

CREATE TRIGGER decision_log_no_delete BEFORE DELETE ON decision_log
BEGIN SELECT RAISE(ABORT, 'decision log records are never deleted'); END;

CREATE TABLE sends (
  id          INTEGER PRIMARY KEY,
  subject_id  TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  channel     TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  basis       TEXT    NOT NULL,
  decision_id TEXT    NOT NULL
);
CREATE INDEX sends_by_subject ON sends (subject_id, at);
`;

const work = `
CREATE TABLE deferrals (
  deferral_id TEXT    PRIMARY KEY,
  subject_id  TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  due_at      INTEGER NOT NULL,
  decision_id TEXT    NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'done', 'replaced'))
);
CREATE UNIQUE INDEX deferrals_one_pending ON deferrals (subject_id, node_id, event_id)
  WHERE status = 'pending';
CREATE INDEX deferrals_due ON deferrals (due_at, deferral_id) WHERE status = 'pending';

CREATE TABLE reviews (
  review_id   TEXT    PRIMARY KEY,
  subject_id  TEXT    NOT NULL,
  decision_id TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  opened_at   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  status      TEXT    NOT NULL
              CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  settled_at  INTEGER
);
CREATE INDEX reviews_by_status ON reviews (status, opened_at, review_id);
CREATE INDEX reviews_by_time ON reviews (opened_at, review_id);

CREATE TABLE deliveries (
  delivery_id     TEXT    PRIMARY KEY,
  idempotency_key TEXT    NOT NULL,
  decision_id     TEXT    NOT NULL,
  subject_id      TEXT    NOT NULL,
  connector       TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  due_at          INTEGER NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  lease_until     INTEGER,
  last_code       TEXT,
  last_attempt_at INTEGER,
  UNIQUE (idempotency_key, connector, recipient)
);
CREATE INDEX deliveries_pending ON deliveries (due_at, delivery_id) WHERE status = 'pending';
CREATE INDEX deliveries_by_decision ON deliveries (decision_id);
`;

// The head of each chain, kept by the database itself on every append, so that `log verify`
// sees records cut from the end of a chain or a whole chain removed.
const logHeads = `
CREATE TABLE log_heads (
  partition INTEGER PRIMARY KEY,
  seq       INTEGER NOT NULL,
  hash      TEXT    NOT NULL
);
INSERT INTO log_heads (partition, seq, hash)
  SELECT partition, seq, hash FROM decision_log AS d
  WHERE seq = (SELECT max(seq) FROM decision_log WHERE partition = d.partition);
CREATE TRIGGER decision_log_head AFTER INSERT ON decision_log BEGIN
  INSERT INTO log_heads (partition, seq, hash) VALUES (NEW.partition, NEW.seq, NEW.hash)
  ON CONFLICT (partition) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
END;
`;

/** Every step, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "events and attributes", sql: events },
  { version: 2, name: "consent ledger, contacts and gpc", sql: consent },
  { version: 3, name: "decision log (append-only) and sends", sql: decisionLog },
  { version: 4, name: "deferrals, reviews and deliveries", sql: work },
  { version: 5, name: "decision log chain heads", sql: logHeads },
  { version: 6, name: "durable timers", sql: TIMERS_MIGRATION },
  {
    version: 7,
    name: "subject keys, erasure tombstones, cancelled reviews",
    sql: ERASURE_MIGRATION,
  },
];

const ledger = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)`;

/**
 * Applies the steps not yet recorded, each in its own transaction, and returns the versions it
 * applied. Refuses a database whose schema is newer than this build knows.
 *
 * @example migrateSqlite(db, Date.now) // [1, 2, 3, 4] on a new file, [] after
 */
export function migrateSqlite(db: Database.Database, now: () => number): number[] {
  db.exec(ledger);
  const rows = db.prepare<[], { version: number }>("SELECT version FROM schema_migrations").all();
  const versions = new Set(rows.map((row) => row.version));
  refuseNewer(versions);
  const record = db.prepare<[number, string, number]>(
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  );
  const pending = MIGRATIONS.filter((step) => !versions.has(step.version));
  for (const step of pending) {
    db.transaction(() => {
      db.exec(step.sql);
      record.run(step.version, step.name, now());
    }).immediate();
  }
  return pending.map((step) => step.version);
}

function refuseNewer(versions: ReadonlySet<number>): void {
  const known = MIGRATIONS.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...versions);
  if (newest > known) {
    throw new StoreError(
      "schema_too_new",
      `the database schema is at version ${newest}; this build knows up to ${known}`,
    );
  }
}
