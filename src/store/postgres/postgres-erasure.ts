import { type Kysely, sql } from "kysely";
import type { Instant } from "../../engine/types.ts";
import type { SubjectCrypto } from "../../privacy/subject-crypto.ts";
import type { ErasedCounts, PendingWork } from "../store.ts";
import { ERASED_EVIDENCE, SubjectSealing } from "../subject-sealing.ts";
import type { Database } from "./postgres-tables.ts";

/**
 * Crypto-shredding and in-flight cancellation on PostgreSQL: migration 7, its table types and
 * statements, kept together so that the step stays self-contained.
 */

type Db = Kysely<Database>;

/** The server's clock in epoch milliseconds: when a row was stored, whatever a client claims. */
const SERVER_NOW_MS = "(floor(extract(epoch FROM clock_timestamp()) * 1000))::bigint";

export const ERASURE_MIGRATION = [
  `CREATE TABLE subject_keys (
    subject_id text PRIMARY KEY,
    wrapped text NOT NULL,
    created_at bigint NOT NULL
  )`,
  "CREATE TABLE erasures (tombstone text PRIMARY KEY, erased_at bigint NOT NULL)",
  `ALTER TABLE events ADD COLUMN stored_at bigint NOT NULL DEFAULT ${SERVER_NOW_MS}`,
  "CREATE INDEX events_by_subject_stored ON events (subject_id, stored_at)",
  `CREATE INDEX deliveries_pending_by_subject ON deliveries (subject_id)
    WHERE status = 'pending'`,
  "CREATE INDEX reviews_pending_by_subject ON reviews (subject_id) WHERE status = 'pending'",
  "ALTER TABLE reviews DROP CONSTRAINT reviews_status_check",
  `ALTER TABLE reviews ADD CONSTRAINT reviews_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled'))`,
];

export interface SubjectKeysTable {
  subject_id: string;
  wrapped: string;
  created_at: number;
}

export interface ErasuresTable {
  tombstone: string;
  erased_at: number;
}

/** A subject's sealing whose keys live in `subject_keys` (created only inside a transaction). */
export function postgresSealing(db: Db, crypto: SubjectCrypto, subjectId: string) {
  return new SubjectSealing(subjectId, crypto, {
    read: async (id) => {
      const row = await db
        .selectFrom("subject_keys")
        .select("wrapped")
        .where("subject_id", "=", id)
        .executeTakeFirst();
      return row?.wrapped;
    },
    create: async (id, wrapped, at) => {
      await db
        .insertInto("subject_keys")
        .values({ subject_id: id, wrapped, created_at: at })
        .execute();
    },
  });
}

/** The instant of the subject's tombstone, if any. */
export async function readErasedAt(db: Db, tombstone: string): Promise<Instant | undefined> {
  const row = await db
    .selectFrom("erasures")
    .select("erased_at")
    .where("tombstone", "=", tombstone)
    .executeTakeFirst();
  return row?.erased_at;
}

export async function readPendingWork(db: Db, subjectId: string): Promise<PendingWork[]> {
  const result = await sql<{ kind: PendingWork["kind"]; id: string; decision_id: string }>`
    SELECT 'deferral' AS kind, deferral_id AS id, decision_id FROM deferrals
      WHERE subject_id = ${subjectId} AND status = 'pending'
    UNION ALL
    SELECT 'review', review_id, decision_id FROM reviews
      WHERE subject_id = ${subjectId} AND status = 'pending'
    UNION ALL
    SELECT 'delivery', delivery_id, decision_id FROM deliveries
      WHERE subject_id = ${subjectId} AND status = 'pending'`.execute(db);
  return result.rows.map((row) => ({ kind: row.kind, id: row.id, decisionId: row.decision_id }));
}

/** See `SubjectTx.cancelWork`: only pending work moves. */
export async function cancelWork(
  db: Db,
  subjectId: string,
  work: PendingWork,
  reason: string,
  at: Instant,
): Promise<void> {
  if (work.kind === "deferral") {
    await db
      .updateTable("deferrals")
      .set({ status: "done" })
      .where("deferral_id", "=", work.id)
      .where("subject_id", "=", subjectId)
      .where("status", "=", "pending")
      .execute();
  } else if (work.kind === "review") {
    await db
      .updateTable("reviews")
      .set({ status: "cancelled", settled_at: at })
      .where("review_id", "=", work.id)
      .where("subject_id", "=", subjectId)
      .where("status", "=", "pending")
      .execute();
  } else {
    await db
      .updateTable("deliveries")
      .set({ status: "cancelled", last_code: reason, lease_until: null })
      .where("delivery_id", "=", work.id)
      .where("subject_id", "=", subjectId)
      .where("status", "=", "pending")
      .execute();
  }
}

/**
 * Destroys the subject's key and deletes or blanks their personal data (see `SubjectTx.erase`).
 * Events are selected by the server's own storing time, never by occurredAt.
 */
export async function shredSubject(
  db: Db,
  sealing: SubjectSealing,
  at: Instant,
): Promise<ErasedCounts> {
  const { subjectId } = sealing;
  await db.deleteFrom("subject_keys").where("subject_id", "=", subjectId).execute();
  sealing.forgetKey();
  const events = await db
    .deleteFrom("events")
    .where("subject_id", "=", subjectId)
    .where("stored_at", "<=", sql<number>`${sql.raw(SERVER_NOW_MS)}`)
    .executeTakeFirst();
  const attributes = await db
    .deleteFrom("attributes")
    .where("subject_id", "=", subjectId)
    .executeTakeFirst();
  const evidence = await db
    .updateTable("consent_records")
    .set({ evidence: ERASED_EVIDENCE })
    .where("subject_id", "=", subjectId)
    .where("evidence", "<>", ERASED_EVIDENCE)
    .executeTakeFirst();
  for (const table of ["sends", "contacts", "gpc"] as const) {
    await db.deleteFrom(table).where("subject_id", "=", subjectId).execute();
  }
  await db
    .insertInto("erasures")
    .values({ tombstone: sealing.tombstone(), erased_at: at })
    .onConflict((oc) => oc.column("tombstone").doNothing())
    .execute();
  return {
    events: Number(events.numDeletedRows),
    attributes: Number(attributes.numDeletedRows),
    consentEvidence: Number(evidence.numUpdatedRows),
  };
}
