import type { Kysely } from "kysely";
import type {
  AssentEvent,
  AttributeValue,
  ConsentRecord,
  SuppressionRecord,
} from "../../engine/types.ts";
import type { Deferral, NewDelivery, Review } from "../store.ts";
import type { Database } from "./postgres-tables.ts";

/**
 * The writes of a subject transaction, one statement each (two for a deferral). The same rules
 * as the SQLite store, stated where they are enforced.
 */

type Db = Kysely<Database>;

/** Seals a subject's personal data under their key (see `SubjectSealing.sealer`). */
type Seal = (text: string) => string;

/**
 * `duplicate` when the event id was seen before; then nothing is written. The data is stored
 * sealed, as a JSON string; `stored_at` is the server's clock.
 */
export async function insertEvent(
  db: Db,
  event: AssentEvent,
  seal: Seal,
): Promise<"inserted" | "duplicate"> {
  const result = await db
    .insertInto("events")
    .values({
      event_id: event.id,
      subject_id: event.subjectId,
      type: event.type,
      schema_version: event.schemaVersion,
      occurred_at: event.occurredAt,
      received_at: event.receivedAt,
      source: event.source,
      data: JSON.stringify(seal(JSON.stringify(event.data))),
    })
    .onConflict((oc) => oc.column("event_id").doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 0n ? "duplicate" : "inserted";
}

/**
 * Sets attributes with lineage unless the stored value is newer. Ties on occurredAt go to the
 * larger event id, so the winner does not depend on arrival order (the SQLite store's rule);
 * re-applying the same event rewrites the same value.
 */
export async function upsertAttributes(
  db: Db,
  event: AssentEvent,
  values: Readonly<Record<string, AttributeValue>>,
  seal: Seal,
): Promise<void> {
  const rows = Object.entries(values).map(([name, value]) => ({
    subject_id: event.subjectId,
    name,
    value_json: seal(JSON.stringify(value)),
    updated_at: event.occurredAt,
    event_id: event.id,
    source: event.source,
  }));
  if (rows.length === 0) return;

  await db
    .insertInto("attributes")
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(["subject_id", "name"])
        .doUpdateSet((eb) => ({
          value_json: eb.ref("excluded.value_json"),
          updated_at: eb.ref("excluded.updated_at"),
          event_id: eb.ref("excluded.event_id"),
          source: eb.ref("excluded.source"),
        }))
        .where((eb) =>
          eb.or([
            eb("excluded.updated_at", ">", eb.ref("attributes.updated_at")),
            eb.and([
              eb("excluded.updated_at", "=", eb.ref("attributes.updated_at")),
              eb("excluded.event_id", ">=", eb.ref("attributes.event_id")),
            ]),
          ]),
        ),
    )
    .execute();
}

/**
 * Append-only: a record id seen before is left as it was (replays are harmless). The evidence
 * is stored sealed.
 */
export async function insertConsent(db: Db, record: ConsentRecord, seal: Seal): Promise<void> {
  await db
    .insertInto("consent_records")
    .values({
      id: record.id,
      subject_id: record.subjectId,
      purpose: record.purpose,
      channel: record.channel,
      kind: record.kind,
      captured_at: record.capturedAt,
      expires_at: record.expiresAt,
      express: record.express,
      jurisdiction: record.jurisdiction,
      source: record.source,
      evidence: seal(record.evidence),
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}

/** A suppression is stated once; the only later change is its lift. */
export async function upsertSuppression(db: Db, record: SuppressionRecord): Promise<void> {
  await db
    .insertInto("suppressions")
    .values({
      id: record.id,
      subject_id: record.subjectId,
      reason: record.reason,
      channel: record.channel,
      since: record.since,
      lifted_at: record.liftedAt,
    })
    .onConflict((oc) =>
      oc.column("id").doUpdateSet((eb) => ({
        lifted_at: eb.fn.coalesce("excluded.lifted_at", "suppressions.lifted_at"),
      })),
    )
    .execute();
}

/** Replaces any pending deferral for the same node and trigger event. */
export async function replaceDeferral(db: Db, deferral: Deferral): Promise<void> {
  await db
    .updateTable("deferrals")
    .set({ status: "replaced" })
    .where("subject_id", "=", deferral.subjectId)
    .where("node_id", "=", deferral.nodeId)
    .where("event_id", "=", deferral.eventId)
    .where("status", "=", "pending")
    .execute();
  const row = {
    deferral_id: deferral.deferralId,
    subject_id: deferral.subjectId,
    node_id: deferral.nodeId,
    event_id: deferral.eventId,
    due_at: deferral.dueAt,
    decision_id: deferral.decisionId,
  };
  await db
    .insertInto("deferrals")
    .values(row)
    .onConflict((oc) => oc.column("deferral_id").doUpdateSet({ ...row, status: "pending" }))
    .execute();
}

export async function insertReview(db: Db, review: Review): Promise<void> {
  await db
    .insertInto("reviews")
    .values({
      review_id: review.reviewId,
      subject_id: review.subjectId,
      decision_id: review.decisionId,
      node_id: review.nodeId,
      event_id: review.eventId,
      opened_at: review.openedAt,
      expires_at: review.expiresAt,
      status: review.status,
      settled_at: review.settledAt,
    })
    .execute();
}

/** One delivery per (idempotency key, connector, recipient): a second enqueue is a no-op. */
export async function insertDelivery(db: Db, delivery: NewDelivery): Promise<void> {
  await db
    .insertInto("deliveries")
    .values({
      delivery_id: delivery.deliveryId,
      idempotency_key: delivery.idempotencyKey,
      decision_id: delivery.decisionId,
      subject_id: delivery.subjectId,
      connector: delivery.connector,
      recipient: delivery.recipient,
      payload: delivery.payload,
      due_at: delivery.dueAt,
    })
    .onConflict((oc) => oc.columns(["idempotency_key", "connector", "recipient"]).doNothing())
    .execute();
}
