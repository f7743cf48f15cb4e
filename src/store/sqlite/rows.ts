import type {
  AssentEvent,
  AttributeState,
  AttributeValue,
  Channel,
  ConsentKind,
  ConsentRecord,
  LawfulBasis,
  SendRecord,
  SuppressionReason,
  SuppressionRecord,
} from "../../engine/types.ts";
import type { Deferral, Delivery, DeliveryStatus, Review, ReviewStatus } from "../store.ts";

/**
 * Rows as SQLite returns them (snake_case, INTEGER for instants and flags, TEXT for JSON) and
 * their mapping to the store's records. Text columns with a closed set of values are typed by
 * what the store wrote; the CHECK constraints and the store's own writes keep them so.
 */

export interface EventRow {
  readonly event_id: string;
  readonly subject_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly occurred_at: number;
  readonly received_at: number;
  readonly source: string;
  readonly data: string;
}

export interface AttributeRow {
  readonly name: string;
  readonly value: string;
  readonly updated_at: number;
  readonly event_id: string;
  readonly source: string;
}

export interface ConsentRow {
  readonly id: string;
  readonly subject_id: string;
  readonly purpose: string;
  readonly channel: Channel | "*";
  readonly kind: ConsentKind;
  readonly captured_at: number;
  readonly expires_at: number | null;
  readonly express: number | null;
  readonly jurisdiction: string | null;
  readonly source: string;
  readonly evidence: string;
}

export interface SuppressionRow {
  readonly id: string;
  readonly subject_id: string;
  readonly reason: SuppressionReason;
  readonly channel: Channel | "*";
  readonly since: number;
  readonly lifted_at: number | null;
}

export interface SendRow {
  readonly at: number;
  readonly channel: Channel;
  readonly node_id: string;
  readonly basis: LawfulBasis;
}

export interface LogRow {
  readonly partition: number;
  readonly seq: number;
  readonly decision_id: string;
  readonly prev_hash: string;
  readonly hash: string;
  readonly body: string;
}

/** A log row with the columns copied from its body. */
export interface ChainRow extends LogRow {
  readonly subject_id: string;
  readonly trace_id: string | null;
  readonly recorded_at: number;
}

export interface DeferralRow {
  readonly deferral_id: string;
  readonly subject_id: string;
  readonly node_id: string;
  readonly event_id: string;
  readonly due_at: number;
  readonly decision_id: string;
}

export interface ReviewRow {
  readonly review_id: string;
  readonly subject_id: string;
  readonly decision_id: string;
  readonly node_id: string;
  readonly event_id: string;
  readonly opened_at: number;
  readonly expires_at: number;
  readonly status: ReviewStatus;
  readonly settled_at: number | null;
}

export interface DeliveryRow {
  readonly delivery_id: string;
  readonly idempotency_key: string;
  readonly decision_id: string;
  readonly subject_id: string;
  readonly connector: string;
  readonly recipient: string;
  readonly payload: string;
  readonly due_at: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
}

/** A stored event as it was received; its data was written from an object. */
export function eventOf(row: EventRow): AssentEvent {
  const data: Readonly<Record<string, unknown>> = JSON.parse(row.data);
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    subjectId: row.subject_id,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    source: row.source,
    data,
  };
}

/** An attribute with its lineage; the value is stored as JSON to keep its type. */
export function attributeOf(row: AttributeRow): [string, AttributeState] {
  const value: AttributeValue = JSON.parse(row.value);
  return [
    row.name,
    { value, updatedAt: row.updated_at, eventId: row.event_id, source: row.source },
  ];
}

/** A consent ledger row as its record. */
export function consentOf(row: ConsentRow): ConsentRecord {
  return {
    id: row.id,
    subjectId: row.subject_id,
    purpose: row.purpose,
    channel: row.channel,
    kind: row.kind,
    capturedAt: row.captured_at,
    source: row.source,
    evidence: row.evidence,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.express === null ? {} : { express: row.express === 1 }),
    ...(row.jurisdiction === null ? {} : { jurisdiction: row.jurisdiction }),
  };
}

/** As of `asOf`, a lift that came later had not happened yet. */
export function suppressionOf(row: SuppressionRow, asOf: number): SuppressionRecord {
  const lifted = row.lifted_at !== null && row.lifted_at <= asOf;
  return {
    id: row.id,
    subjectId: row.subject_id,
    reason: row.reason,
    channel: row.channel,
    since: row.since,
    ...(lifted && row.lifted_at !== null ? { liftedAt: row.lifted_at } : {}),
  };
}

/** A send row as the record caps count. */
export function sendOf(row: SendRow): SendRecord {
  return { at: row.at, channel: row.channel, nodeId: row.node_id, basis: row.basis };
}

/** A deferral row as its record. */
export function deferralOf(row: DeferralRow): Deferral {
  return {
    deferralId: row.deferral_id,
    subjectId: row.subject_id,
    nodeId: row.node_id,
    eventId: row.event_id,
    dueAt: row.due_at,
    decisionId: row.decision_id,
  };
}

/** A review row as its record; `settledAt` only once settled. */
export function reviewOf(row: ReviewRow): Review {
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

/** A delivery row as the outbox hands it to a worker. */
export function deliveryOf(row: DeliveryRow): Delivery {
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
