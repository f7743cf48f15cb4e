import type Database from "better-sqlite3";
import type { Timer, TimerKind, TimerStatus } from "../../timers/timer.ts";

/**
 * Durable timers on SQLite: migration 6, the statements and the row mapping, kept together so
 * that the step stays self-contained.
 */

export const TIMERS_MIGRATION = `
CREATE TABLE timers (
  timer_id    TEXT    PRIMARY KEY,
  subject_id  TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('delay', 'date')),
  due_at      INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  cause_at    INTEGER NOT NULL,
  why         TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'fired', 'cancelled', 'moved')),
  settled_at  INTEGER,
  lease_until INTEGER
);
CREATE UNIQUE INDEX timers_one_pending ON timers (subject_id, node_id) WHERE status = 'pending';
CREATE INDEX timers_due ON timers (due_at, timer_id) WHERE status = 'pending';
`;

export interface TimerRow {
  readonly timer_id: string;
  readonly subject_id: string;
  readonly node_id: string;
  readonly kind: TimerKind;
  readonly due_at: number;
  readonly event_id: string;
  readonly cause_at: number;
  readonly why: string;
  readonly created_at: number;
  readonly status: TimerStatus;
  readonly settled_at: number | null;
}

/** A timer row as its record. */
export function timerOf(row: TimerRow): Timer {
  const { why, kind, status } = row;
  return {
    timerId: row.timer_id,
    subjectId: row.subject_id,
    nodeId: row.node_id,
    kind,
    dueAt: row.due_at,
    eventId: row.event_id,
    causeAt: row.cause_at,
    why,
    createdAt: row.created_at,
    status,
    ...(row.settled_at === null ? {} : { settledAt: row.settled_at }),
  };
}

const COLUMNS = `timer_id, subject_id, node_id, kind, due_at, event_id, cause_at, why, created_at,
  status, settled_at`;

/** @internal Not part of the library: its statement types cannot be named in declarations. */
export function timerReads(db: Database.Database) {
  return {
    pendingTimers: db.prepare<[string], TimerRow>(
      `SELECT ${COLUMNS} FROM timers WHERE subject_id = ? AND status = 'pending'
       ORDER BY due_at, timer_id`,
    ),
    dueTimers: db.prepare<[number], TimerRow>(
      `SELECT ${COLUMNS} FROM timers WHERE status = 'pending' AND due_at <= ?
       ORDER BY due_at, timer_id`,
    ),
    nextTimerDue: db.prepare<[], { due: number | null }>(
      "SELECT min(due_at) AS due FROM timers WHERE status = 'pending'",
    ),
    timerStats: db.prepare<[number], { pending: number; oldest: number | null }>(
      `SELECT count(*) AS pending, min(CASE WHEN due_at <= ? THEN due_at END) AS oldest
       FROM timers WHERE status = 'pending'`,
    ),
  };
}

// A claim is one statement: it picks due, unleased timers and leases them atomically.
const claimTimers = `
UPDATE timers SET lease_until = @leaseUntil
WHERE timer_id IN (
  SELECT timer_id FROM timers
  WHERE status = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
  ORDER BY due_at, timer_id LIMIT @limit)
RETURNING ${COLUMNS}`;

/** @internal Not part of the library: its statement types cannot be named in declarations. */
export function timerWrites(db: Database.Database) {
  return {
    insertTimer: db.prepare<Record<string, string | number>>(
      `INSERT INTO timers (timer_id, subject_id, node_id, kind, due_at, event_id, cause_at, why,
         created_at)
       VALUES (@timerId, @subjectId, @nodeId, @kind, @dueAt, @eventId, @causeAt, @why,
         @createdAt)`,
    ),
    settleTimer: db.prepare<[string, number, string, string]>(
      `UPDATE timers SET status = ?, settled_at = ?, lease_until = NULL
       WHERE timer_id = ? AND subject_id = ? AND status = 'pending'`,
    ),
    claimTimers: db.prepare<Record<string, number>, TimerRow>(claimTimers),
  };
}
