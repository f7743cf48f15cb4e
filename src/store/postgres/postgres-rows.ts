import type { Selectable } from "kysely";
import type {
  AttributeState,
  AttributeValue,
  ConsentRecord,
  Decision,
  SuppressionRecord,
} from "../../engine/types.ts";
import type { Deferral, Delivery, LogRecord, Review, StoredDecision } from "../store.ts";
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

/** Thrown when a stored value is not what this store writes. Names the place, never the data. */
export class CorruptRowError extends Error {
  constructor(what: string) {
    super(`stored ${what} is not in the expected shape`);
    this.name = "CorruptRowError";
  }
}

export function toAttributeState(row: Selectable<AttributesTable>): AttributeState {
  const value: unknown = JSON.parse(row.value_json);
  if (!isAttributeValue(value)) throw new CorruptRowError("attribute value");
  return {
    value,
    updatedAt: row.updated_at,
    ...(row.event_id === null ? {} : { eventId: row.event_id }),
    ...(row.source === null ? {} : { source: row.source }),
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

export function toLogRecord(row: Selectable<DecisionLogTable>): LogRecord {
  return {
    partition: row.partition,
    seq: row.seq,
    decisionId: row.decision_id,
    prevHash: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}

/** A stored decision from its log record: the decision is read back from the hashed body. */
export function toStoredDecision(row: Selectable<DecisionLogTable>): StoredDecision {
  const body: unknown = JSON.parse(row.body);
  const decision = isRecord(body) ? body.decision : undefined;
  if (!isDecision(decision)) throw new CorruptRowError("decision log body");
  return {
    decisionId: row.decision_id,
    ...(row.trace_id === null ? {} : { traceId: row.trace_id }),
    partition: row.partition,
    seq: row.seq,
    decision,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const DECISION_STRINGS = ["nodeId", "playbook", "subjectId", "eventId", "outcome", "reason"];

/**
 * The body was written and hashed by this store from a typed `Decision`; this checks its frame
 * (identity, outcome, steps, versions) so that a hand-edited row fails loudly, not later.
 */
function isDecision(value: unknown): value is Decision {
  if (!isRecord(value)) return false;
  if (!DECISION_STRINGS.every((key) => typeof value[key] === "string")) return false;
  return (
    typeof value.decidedAt === "number" &&
    typeof value.sentence === "string" &&
    Array.isArray(value.steps) &&
    isRecord(value.versions)
  );
}
