import type Database from "better-sqlite3";
import { erasureWrites } from "./erasure-statements.ts";
import type { DeliveryRow } from "./rows.ts";
import { timerWrites } from "./timer-statements.ts";

/** Named parameters, bound from plain objects. */
type Params = Record<string, string | number | null>;

/**
 * The write statements, prepared once on the writer connection. Positional parameters on the
 * replay hot path (events and attributes); named ones elsewhere for readability.
 *
 * @internal Not part of the library: its statement types cannot be named in declarations.
 */
export function prepareWrites(db: Database.Database) {
  return {
    ...ingestWrites(db),
    ...consentWrites(db),
    ...logWrites(db),
    ...workWrites(db),
    ...outboxWrites(db),
    ...erasureWrites(db),
    ...timerWrites(db),
  };
}

/** @internal */
export type WriteStatements = ReturnType<typeof prepareWrites>;

// Ties on occurredAt go to the larger event id, so the winner does not depend on arrival order;
// re-applying the same event rewrites the same value.
const upsertAttribute = `
INSERT INTO attributes (subject_id, name, value, updated_at, event_id, source)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (subject_id, name) DO UPDATE SET
  value = excluded.value, updated_at = excluded.updated_at,
  event_id = excluded.event_id, source = excluded.source
WHERE excluded.updated_at > attributes.updated_at
   OR (excluded.updated_at = attributes.updated_at AND excluded.event_id >= attributes.event_id)`;

// The same rule, for a value equal to the stored one: only the lineage moves, and the sealed
// value stays as it is (nothing to seal again).
const touchAttribute = `
UPDATE attributes SET updated_at = ?, event_id = ?, source = ?
WHERE subject_id = ? AND name = ? AND (updated_at < ? OR (updated_at = ? AND event_id <= ?))`;

function ingestWrites(db: Database.Database) {
  return {
    insertEvent: db.prepare<
      [string, string, string, number, number, number, string, string, number]
    >(
      `INSERT INTO events (event_id, subject_id, type, schema_version, occurred_at, received_at,
         source, data, stored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    ),
    upsertAttribute: db.prepare<[string, string, string, number, string, string]>(upsertAttribute),
    touchAttribute:
      db.prepare<[number, string, string, string, string, number, number, string]>(touchAttribute),
    insertSend: db.prepare<Params>(
      `INSERT INTO sends (subject_id, at, channel, node_id, basis, decision_id)
       VALUES (@subjectId, @at, @channel, @nodeId, @basis, @decisionId)`,
    ),
  };
}

function consentWrites(db: Database.Database) {
  return {
    insertConsent: db.prepare<Params>(
      `INSERT INTO consent_records (id, subject_id, purpose, channel, kind, captured_at,
         expires_at, express, jurisdiction, source, evidence)
       VALUES (@id, @subjectId, @purpose, @channel, @kind, @capturedAt, @expiresAt, @express,
         @jurisdiction, @source, @evidence)
       ON CONFLICT (id) DO NOTHING`,
    ),
    // A suppression is stated once; the only later change is its lift.
    upsertSuppression: db.prepare<Params>(
      `INSERT INTO suppressions (id, subject_id, reason, channel, since, lifted_at)
       VALUES (@id, @subjectId, @reason, @channel, @since, @liftedAt)
       ON CONFLICT (id) DO UPDATE SET lifted_at = coalesce(excluded.lifted_at, lifted_at)`,
    ),
    upsertContact: db.prepare<[string, string, string]>(
      `INSERT INTO contacts (subject_id, channel, jurisdiction) VALUES (?, ?, ?)
       ON CONFLICT (subject_id, channel) DO UPDATE SET jurisdiction = excluded.jurisdiction`,
    ),
    // GPC keeps the first instant it was seen.
    upsertGpc: db.prepare<[string, number]>(
      `INSERT INTO gpc (subject_id, since) VALUES (?, ?)
       ON CONFLICT (subject_id) DO UPDATE SET since = min(since, excluded.since)`,
    ),
  };
}

function logWrites(db: Database.Database) {
  return {
    insertLog: db.prepare<Params>(
      `INSERT INTO decision_log (partition, seq, decision_id, subject_id, trace_id, prev_hash,
         hash, body, recorded_at)
       VALUES (@partition, @seq, @decisionId, @subjectId, @traceId, @prevHash, @hash, @body,
         @recordedAt)`,
    ),
  };
}

function workWrites(db: Database.Database) {
  return {
    replaceDeferral: db.prepare<[string, string, string]>(
      `UPDATE deferrals SET status = 'replaced'
       WHERE subject_id = ? AND node_id = ? AND event_id = ? AND status = 'pending'`,
    ),
    insertDeferral: db.prepare<Params>(
      `INSERT INTO deferrals (deferral_id, subject_id, node_id, event_id, due_at, decision_id)
       VALUES (@deferralId, @subjectId, @nodeId, @eventId, @dueAt, @decisionId)
       ON CONFLICT (deferral_id) DO UPDATE SET status = 'pending', node_id = excluded.node_id,
         event_id = excluded.event_id, due_at = excluded.due_at, decision_id = excluded.decision_id`,
    ),
    completeDeferral: db.prepare<[string, string]>(
      `UPDATE deferrals SET status = 'done'
       WHERE deferral_id = ? AND subject_id = ? AND status = 'pending'`,
    ),
    insertReview: db.prepare<Params>(
      `INSERT INTO reviews (review_id, subject_id, decision_id, node_id, event_id, opened_at,
         expires_at, status, settled_at)
       VALUES (@reviewId, @subjectId, @decisionId, @nodeId, @eventId, @openedAt, @expiresAt,
         @status, @settledAt)`,
    ),
    settleReview: db.prepare<[string, number, string, string]>(
      `UPDATE reviews SET status = ?, settled_at = ?
       WHERE review_id = ? AND subject_id = ? AND status = 'pending'`,
    ),
  };
}

// A claim is one statement: it picks due, unleased rows and leases them atomically.
const claim = `
UPDATE deliveries SET lease_until = @leaseUntil
WHERE delivery_id IN (
  SELECT delivery_id FROM deliveries
  WHERE status = 'pending' AND due_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
  ORDER BY due_at, delivery_id LIMIT @limit)
RETURNING *`;

// An attempt always counts; the status moves only from pending, so a late report of a retry never
// reopens a delivered or failed row.
const attempt = `
UPDATE deliveries SET
  attempts = attempts + 1, last_code = @code, last_attempt_at = @at, lease_until = NULL,
  due_at = CASE WHEN status = 'pending' AND @status = 'pending' THEN @retryAt ELSE due_at END,
  status = CASE WHEN status = 'pending' THEN @status ELSE status END
WHERE delivery_id = @deliveryId`;

function outboxWrites(db: Database.Database) {
  return {
    insertDelivery: db.prepare<Params>(
      `INSERT INTO deliveries (delivery_id, idempotency_key, decision_id, subject_id, connector,
         recipient, payload, due_at)
       VALUES (@deliveryId, @idempotencyKey, @decisionId, @subjectId, @connector, @recipient,
         @payload, @dueAt)
       ON CONFLICT (idempotency_key, connector, recipient) DO NOTHING`,
    ),
    claim: db.prepare<Params, DeliveryRow>(claim),
    attempt: db.prepare<Params>(attempt),
  };
}
