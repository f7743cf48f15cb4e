import type { Selectable } from "kysely";
import type {
  AttributeState,
  AttributeValue,
  ConsentRecord,
  SuppressionRecord,
} from "../../engine/types.ts";
import type { Deferral, Delivery, LogRecord, Review } from "../store.ts";
import type {
  AttributesTable,
  ConsentRecordsTable,
  DecisionLogTable,
  DeferralsTable,
  DeliveriesTable,
  ReviewsTable,
  SuppressionsTable,
} from "./postgres-tables.ts";

/**
 * Rows to records. Optional members are left out (not set to `undefined`) when their column is
 * null, so a record reads back exactly as it was written.
 */

export function toAttributeState(row: Selectable<AttributesTable>): AttributeState {
  const value: unknown = JSON.parse(row.value_json);
  if (!isAttributeValue(value)) {
    throw new Error("a stored attribute value is not a string, number, boolean or string list");
  }
  return {
    value,
    updatedAt: row.updated_at,
    eventId: row.event_id,
    source: row.source,
  };
}

function isAttributeValue(value: unknown): value is AttributeValue {
  if (Array.isArray(value)) return value.every((item) => typeof item === "string");
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

export function toConsentRecord(row: Selectable<ConsentRecordsTable>): ConsentRecord {
  return {
    id: row.id,
    subjectId: row.subject_id,
    purpose: row.purpose,
    channel: row.channel,
    kind: row.kind,
    capturedAt: row.captured_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.express === null ? {} : { express: row.express }),
    ...(row.jurisdiction === null ? {} : { jurisdiction: row.jurisdiction }),
    source: row.source,
    evidence: row.evidence,
  };
}

export function toSuppression(row: Selectable<SuppressionsTable>): SuppressionRecord {
  return {
    id: row.id,
    subjectId: row.subject_id,
    reason: row.reason,
    channel: row.channel,
    since: row.since,
    ...(row.lifted_at === null ? {} : { liftedAt: row.lifted_at }),
  };
}

export function toDeferral(row: Selectable<DeferralsTable>): Deferral {
  return {
    deferralId: row.deferral_id,
    subjectId: row.subject_id,
    nodeId: row.node_id,
    eventId: row.event_id,
    dueAt: row.due_at,
    decisionId: row.decision_id,
  };
}

export function toReview(row: Selectable<ReviewsTable>): Review {
  return {
    reviewId: row.review_id,
    subjectId: row.subject_id,
    decisionId: row.decision_id,
    nodeId: row.node_id,
    eventId: row.event_id,
    openedAt: row.opened_at,
    expiresAt: row.expires_at,
    status: row.status,
    ...(row.settled_at === null ? {} : { settledAt: row.settled_at }),
  };
}

export function toDelivery(row: Selectable<DeliveriesTable>): Delivery {
  return {
    deliveryId: row.delivery_id,
    idempotencyKey: row.idempotency_key,
    decisionId: row.decision_id,
    subjectId: row.subject_id,
    connector: row.connector,
    recipient: row.recipient,
    payload: row.payload,
    dueAt: row.due_at,
    status: row.status,
    attempts: row.attempts,
  };
}

type LogRow = Selectable<DecisionLogTable>;

export function toLogRecord(row: LogRow): LogRecord {
  return {
    partition: row.partition,
    seq: row.seq,
    decisionId: row.decision_id,
    prevHash: row.prev_hash,
    hash: row.hash,
    body: row.body,
    subjectId: row.subject_id,
    ...(row.trace_id === null ? {} : { traceId: row.trace_id }),
    recordedAt: row.recorded_at,
  };
}
