import { partitionOf } from "../../decision-log/chain.ts";
import type {
  AssentEvent,
  AttributeValue,
  Channel,
  ConsentRecord,
  ConsentView,
  Instant,
  Profile,
  SendRecord,
  SuppressionRecord,
} from "../../engine/types.ts";
import { nextLogRecord } from "../log-records.ts";
import type {
  Deferral,
  LogRecord,
  NewDelivery,
  NewLogEntry,
  Review,
  ReviewStatus,
  SubjectTx,
} from "../store.ts";
import { StoreError } from "../store-error.ts";
import type { ReadStatements } from "./read-statements.ts";
import { eventOf } from "./rows.ts";
import { readConsentView, readProfile, readSends } from "./views.ts";
import type { WriteStatements } from "./write-statements.ts";

/** What every subject part of one transaction shares: the writer's statements and its state. */
export interface TxScope {
  readonly reads: ReadStatements;
  readonly writes: WriteStatements;
  readonly now: () => Instant;
  /** False once the transaction has committed or rolled back. */
  open: boolean;
}

/**
 * One subject's part of a transaction on the writer connection. better-sqlite3 is synchronous,
 * so each method does its work at once; the promise is for the Store interface.
 */
export class SqliteSubjectTx implements SubjectTx {
  constructor(
    readonly subjectId: string,
    private readonly scope: TxScope,
  ) {}

  async insertEvent(event: AssentEvent): Promise<"inserted" | "duplicate"> {
    const { writes } = this.live(event.subjectId);
    const { id, subjectId, type, schemaVersion, occurredAt, receivedAt, source } = event;
    const data = JSON.stringify(event.data);
    const at = this.scope.now();
    const result = writes.insertEvent.run(
      ...([id, subjectId, type, schemaVersion, occurredAt, receivedAt, source, data, at] as const),
    );
    return result.changes === 0 ? "duplicate" : "inserted";
  }

  async event(eventId: string): Promise<AssentEvent | undefined> {
    const row = this.live().reads.event.get(eventId, this.subjectId);
    return row === undefined ? undefined : eventOf(row);
  }

  async applyAttributes(
    event: AssentEvent,
    values: Readonly<Record<string, AttributeValue>>,
  ): Promise<void> {
    const { writes } = this.live(event.subjectId);
    const { id, occurredAt, source } = event;
    for (const [name, value] of Object.entries(values)) {
      const json = JSON.stringify(value);
      writes.upsertAttribute.run(this.subjectId, name, json, occurredAt, id, source);
    }
  }

  async profile(): Promise<Profile> {
    return readProfile(this.live().reads, this.subjectId);
  }

  async appendConsent(record: ConsentRecord): Promise<void> {
    const { writes } = this.live(record.subjectId);
    writes.insertConsent.run({
      ...record,
      expiresAt: record.expiresAt ?? null,
      express: record.express === undefined ? null : Number(record.express),
      jurisdiction: record.jurisdiction ?? null,
    });
  }

  async appendSuppression(record: SuppressionRecord): Promise<void> {
    const { writes } = this.live(record.subjectId);
    writes.upsertSuppression.run({ ...record, liftedAt: record.liftedAt ?? null });
  }

  async setContact(channel: Channel, jurisdiction: string): Promise<void> {
    this.live().writes.upsertContact.run(this.subjectId, channel, jurisdiction);
  }

  async recordGpc(at: Instant): Promise<void> {
    this.live().writes.upsertGpc.run(this.subjectId, at);
  }

  async consentView(): Promise<ConsentView> {
    return readConsentView(this.live().reads, this.subjectId);
  }

  async sends(since: Instant): Promise<SendRecord[]> {
    return readSends(this.live().reads, this.subjectId, since);
  }

  async recordSend(send: SendRecord & { readonly decisionId: string }): Promise<void> {
    const { at, channel, nodeId, basis, decisionId } = send;
    const row = { subjectId: this.subjectId, at, channel, nodeId, basis, decisionId };
    this.live().writes.insertSend.run(row);
  }

  async appendDecision(entry: NewLogEntry): Promise<LogRecord> {
    const { reads, writes } = this.live(entry.decision.subjectId);
    // The write lock is held, so the head read here is still the head when the insert runs.
    const head = reads.chainHead.get(partitionOf(this.subjectId));
    const record = nextLogRecord(this.subjectId, entry, head);
    writes.insertLog.run({
      ...record,
      subjectId: this.subjectId,
      traceId: entry.traceId ?? null,
      recordedAt: entry.recordedAt,
    });
    return record;
  }

  async enqueueDelivery(delivery: NewDelivery): Promise<void> {
    this.live(delivery.subjectId).writes.insertDelivery.run({ ...delivery });
  }

  async scheduleDeferral(deferral: Deferral): Promise<void> {
    const { writes } = this.live(deferral.subjectId);
    writes.replaceDeferral.run(this.subjectId, deferral.nodeId, deferral.eventId);
    writes.insertDeferral.run({ ...deferral });
  }

  async completeDeferral(deferralId: string): Promise<void> {
    this.live().writes.completeDeferral.run(deferralId, this.subjectId);
  }

  async openReview(review: Review): Promise<void> {
    const { writes } = this.live(review.subjectId);
    writes.insertReview.run({ ...review, settledAt: review.settledAt ?? null });
  }

  async settleReview(
    reviewId: string,
    status: Exclude<ReviewStatus, "pending">,
    at: Instant,
  ): Promise<void> {
    const result = this.live().writes.settleReview.run(status, at, reviewId, this.subjectId);
    if (result.changes === 0) throw new StoreError("review_not_pending");
  }

  /** The scope, once checked that the transaction is open and the record is this subject's. */
  private live(recordSubjectId: string = this.subjectId): TxScope {
    if (!this.scope.open) throw new StoreError("transaction_closed");
    if (recordSubjectId !== this.subjectId) throw new StoreError("outside_transaction");
    return this.scope;
  }
}
