import type Database from "better-sqlite3";

/**
 * Crypto-shredding and in-flight cancellation on SQLite: migration 7 and its statements, kept
 * together so that the step stays self-contained.
 *
 * Reviews gain the status `cancelled` (consent withdrawn, or the subject erased, while a review
 * waited): SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the
 * same columns in the same order (`SELECT *` fails loudly should they ever differ).
 */
export const ERASURE_MIGRATION = `
CREATE TABLE subject_keys (
  subject_id TEXT    PRIMARY KEY,
  wrapped    TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE erasures (
  tombstone TEXT    PRIMARY KEY,
  erased_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX events_by_subject_stored ON events (subject_id, stored_at);
CREATE INDEX deliveries_pending_by_subject ON deliveries (subject_id) WHERE status = 'pending';

CREATE TABLE reviews_v7 (
  review_id   TEXT    PRIMARY KEY,
  subject_id  TEXT    NOT NULL,
  decision_id TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  opened_at   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  status      TEXT    NOT NULL
              CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
  settled_at  INTEGER
);
INSERT INTO reviews_v7 SELECT * FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_v7 RENAME TO reviews;
CREATE INDEX reviews_by_status ON reviews (status, opened_at, review_id);
CREATE INDEX reviews_by_time ON reviews (opened_at, review_id);
CREATE INDEX reviews_pending_by_subject ON reviews (subject_id) WHERE status = 'pending';
`;

/** A pending deferral, review or delivery of one subject, as `pendingWork` reads it. */
export interface PendingWorkRow {
  readonly kind: "deferral" | "review" | "delivery";
  readonly id: string;
  readonly decision_id: string;
}

const pendingWork = `
SELECT 'deferral' AS kind, deferral_id AS id, decision_id FROM deferrals
  WHERE subject_id = @subjectId AND status = 'pending'
UNION ALL
SELECT 'review', review_id, decision_id FROM reviews
  WHERE subject_id = @subjectId AND status = 'pending'
UNION ALL
SELECT 'delivery', delivery_id, decision_id FROM deliveries
  WHERE subject_id = @subjectId AND status = 'pending'`;

/** A decision-log row with its subject, to open its sealed steps. */
export interface SubjectLogRow {
  readonly partition: number;
  readonly seq: number;
  readonly decision_id: string;
  readonly subject_id: string;
  readonly prev_hash: string;
  readonly hash: string;
  readonly body: string;
}

/** @internal Not part of the library: its statement types cannot be named in declarations. */
export function erasureReads(db: Database.Database) {
  return {
    logWithSubject: db.prepare<[string], SubjectLogRow>(
      `SELECT partition, seq, decision_id, subject_id, prev_hash, hash, body FROM decision_log
       WHERE decision_id = ?`,
    ),
    subjectKey: db.prepare<[string], { wrapped: string }>(
      "SELECT wrapped FROM subject_keys WHERE subject_id = ?",
    ),
    erasedAt: db.prepare<[string], { erased_at: number }>(
      "SELECT erased_at FROM erasures WHERE tombstone = ?",
    ),
    pendingWork: db.prepare<{ subjectId: string }, PendingWorkRow>(pendingWork),
    logOfDecision: db.prepare<[string, string], SubjectLogRow>(
      `SELECT partition, seq, decision_id, subject_id, prev_hash, hash, body FROM decision_log
       WHERE decision_id = ? AND subject_id = ?`,
    ),
  };
}

type Params = Record<string, string | number | null>;

/** @internal Not part of the library: its statement types cannot be named in declarations. */
export function erasureWrites(db: Database.Database) {
  return {
    insertSubjectKey: db.prepare<[string, string, number]>(
      "INSERT INTO subject_keys (subject_id, wrapped, created_at) VALUES (?, ?, ?)",
    ),
    cancelDeferral: db.prepare<[string, string]>(
      `UPDATE deferrals SET status = 'done'
       WHERE deferral_id = ? AND subject_id = ? AND status = 'pending'`,
    ),
    cancelReview: db.prepare<[number, string, string]>(
      `UPDATE reviews SET status = 'cancelled', settled_at = ?
       WHERE review_id = ? AND subject_id = ? AND status = 'pending'`,
    ),
    cancelDelivery: db.prepare<Params>(
      `UPDATE deliveries SET status = 'cancelled', last_code = @reason, lease_until = NULL
       WHERE delivery_id = @id AND subject_id = @subjectId AND status = 'pending'`,
    ),
    ...shredWrites(db),
  };
}

/** The deletes of an erasure, one subject at a time. */
function shredWrites(db: Database.Database) {
  return {
    deleteSubjectKey: db.prepare<[string]>("DELETE FROM subject_keys WHERE subject_id = ?"),
    deleteEvents: db.prepare<[string, number]>(
      "DELETE FROM events WHERE subject_id = ? AND stored_at <= ?",
    ),
    deleteAttributes: db.prepare<[string]>("DELETE FROM attributes WHERE subject_id = ?"),
    blankEvidence: db.prepare<Params>(
      `UPDATE consent_records SET evidence = @erased
       WHERE subject_id = @subjectId AND evidence <> @erased`,
    ),
    deleteSends: db.prepare<[string]>("DELETE FROM sends WHERE subject_id = ?"),
    deleteContacts: db.prepare<[string]>("DELETE FROM contacts WHERE subject_id = ?"),
    deleteGpc: db.prepare<[string]>("DELETE FROM gpc WHERE subject_id = ?"),
    insertTombstone: db.prepare<[string, number]>(
      "INSERT INTO erasures (tombstone, erased_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
    ),
  };
}
