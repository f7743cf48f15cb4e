import type Database from "better-sqlite3";
import { erasureReads } from "./erasure-statements.ts";
import type {
  AttributeRow,
  ChainRow,
  ConsentRow,
  DeferralRow,
  DeliveryRow,
  EventRow,
  LogRow,
  ReviewRow,
  SendRow,
  SuppressionRow,
} from "./rows.ts";
import { timerReads } from "./timer-statements.ts";

/**
 * The read statements, prepared once per connection. Both connections hold them: the writer reads
 * its own uncommitted writes inside a transaction; the reader serves reads outside transactions
 * from the last committed state (WAL gives it a snapshot without blocking the writer).
 *
 * @internal Not part of the library: its statement types cannot be named in declarations.
 */
export function prepareReads(db: Database.Database) {
  return {
    ...profileReads(db),
    ...consentReads(db),
    ...logReads(db),
    ...workReads(db),
    ...erasureReads(db),
    ...timerReads(db),
  };
}

/** @internal */
export type ReadStatements = ReturnType<typeof prepareReads>;

function profileReads(db: Database.Database) {
  return {
    event: db.prepare<[string, string], EventRow>(
      "SELECT * FROM events WHERE event_id = ? AND subject_id = ?",
    ),
    eventsOfSubject: db.prepare<[string], EventRow>(
      "SELECT * FROM events WHERE subject_id = ? ORDER BY occurred_at, event_id",
    ),
    attributes: db.prepare<[string], AttributeRow>(
      "SELECT name, value, updated_at, event_id, source FROM attributes WHERE subject_id = ?",
    ),
    sendsSince: db.prepare<[string, number], SendRow>(
      `SELECT at, channel, node_id, basis FROM sends
       WHERE subject_id = ? AND at >= ? ORDER BY at, id`,
    ),
  };
}

function consentReads(db: Database.Database) {
  return {
    consent: db.prepare<[string, number], ConsentRow>(
      `SELECT * FROM consent_records
       WHERE subject_id = ? AND captured_at <= ? ORDER BY captured_at, rowid`,
    ),
    suppressions: db.prepare<[string, number], SuppressionRow>(
      "SELECT * FROM suppressions WHERE subject_id = ? AND since <= ? ORDER BY since, id",
    ),
    contacts: db.prepare<[string], { channel: string; jurisdiction: string }>(
      "SELECT channel, jurisdiction FROM contacts WHERE subject_id = ? ORDER BY channel",
    ),
    gpc: db.prepare<[string, number], { since: number }>(
      "SELECT since FROM gpc WHERE subject_id = ? AND since <= ?",
    ),
  };
}

// logPartitions walks the primary key from one partition to the next (a loose index scan), so it
// costs one seek per partition whatever the size of the log.
const partitionsSql = `
WITH RECURSIVE p(n) AS (
  SELECT min(partition) FROM decision_log
  UNION ALL
  SELECT (SELECT min(partition) FROM decision_log WHERE partition > n) FROM p WHERE n IS NOT NULL
)
SELECT n FROM p WHERE n IS NOT NULL`;

function logReads(db: Database.Database) {
  const columns = "partition, seq, decision_id, prev_hash, hash, body";
  return {
    logHeads: db.prepare<[], { partition: number; seq: number; hash: string }>(
      "SELECT partition, seq, hash FROM log_heads ORDER BY partition",
    ),
    chainHead: db.prepare<[number], { seq: number; hash: string }>(
      "SELECT seq, hash FROM decision_log WHERE partition = ? ORDER BY seq DESC LIMIT 1",
    ),
    logById: db.prepare<[string], LogRow>(
      `SELECT ${columns} FROM decision_log WHERE decision_id = ?`,
    ),
    logOfSubject: db.prepare<[string, number], LogRow>(
      `SELECT ${columns} FROM decision_log WHERE subject_id = ? ORDER BY seq DESC LIMIT ?`,
    ),
    // A chain walk also reads the columns copied from the body, for verify to hold them to it.
    logPage: db.prepare<[number, number, number], ChainRow>(
      `SELECT ${columns}, subject_id, trace_id, recorded_at FROM decision_log
       WHERE partition = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    logPartitions: db.prepare<[], { n: number }>(partitionsSql),
  };
}

/** A queue's pending count and earliest due instant (null when empty). */
export interface BacklogRow {
  readonly n: number;
  readonly oldest: number | null;
}

const dueSubjects = `
SELECT subject_id FROM timers WHERE status = 'pending' AND due_at <= ?
UNION SELECT subject_id FROM deferrals WHERE status = 'pending' AND due_at <= ?
UNION SELECT subject_id FROM reviews WHERE status = 'pending' AND expires_at <= ?`;

function workReads(db: Database.Database) {
  return {
    dueDeferrals: db.prepare<[number, number], DeferralRow>(
      `SELECT * FROM deferrals WHERE status = 'pending' AND due_at <= ?
       ORDER BY due_at, deferral_id LIMIT ?`,
    ),
    // No LIMIT: a bound LIMIT makes SQLite walk the due index several times slower.
    allDueDeferrals: db.prepare<[number], DeferralRow>(
      `SELECT * FROM deferrals WHERE status = 'pending' AND due_at <= ?
       ORDER BY due_at, deferral_id`,
    ),
    expiredReviews: db.prepare<[number], ReviewRow>(
      `SELECT * FROM reviews WHERE status = 'pending' AND expires_at <= ?
       ORDER BY opened_at, review_id`,
    ),
    dueSubjects: db.prepare<[number, number, number], string>(dueSubjects).pluck(),
    reviewsByStatus: db.prepare<[string, number], ReviewRow>(
      "SELECT * FROM reviews WHERE status = ? ORDER BY opened_at, review_id LIMIT ?",
    ),
    reviewsAll: db.prepare<[number], ReviewRow>(
      "SELECT * FROM reviews ORDER BY opened_at, review_id LIMIT ?",
    ),
    review: db.prepare<[string], ReviewRow>("SELECT * FROM reviews WHERE review_id = ?"),
    delivery: db.prepare<[string], DeliveryRow>("SELECT * FROM deliveries WHERE delivery_id = ?"),
    deliveriesOfSubject: db.prepare<[string], DeliveryRow>(
      "SELECT * FROM deliveries WHERE subject_id = ? ORDER BY due_at, delivery_id",
    ),
    outboxDepth: db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'",
    ),
    outboxBacklog: db.prepare<[], BacklogRow>(
      "SELECT count(*) AS n, min(due_at) AS oldest FROM deliveries WHERE status = 'pending'",
    ),
    deferralBacklog: db.prepare<[], BacklogRow>(
      "SELECT count(*) AS n, min(due_at) AS oldest FROM deferrals WHERE status = 'pending'",
    ),
  };
}
