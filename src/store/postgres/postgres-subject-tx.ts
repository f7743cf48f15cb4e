import type { Transaction } from "kysely";
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
import type { SubjectCrypto } from "../../privacy/subject-crypto.ts";
import type { Timer, TimerStatus } from "../../timers/timer.ts";
import { nextLogRecord } from "../log-records.ts";
import type {
  Deferral,
  ErasedCounts,
  LogRecord,
  NewDelivery,
  NewLogEntry,
  PendingWork,
  Review,
  ReviewStatus,
  StoredDecision,
  SubjectTx,
} from "../store.ts";
import { StoreError } from "../store-error.ts";
import type { SubjectSealing } from "../subject-sealing.ts";
import {
  cancelWork,
  postgresSealing,
  readErasedAt,
  readPendingWork,
  shredSubject,
} from "./postgres-erasure.ts";
import { lockPartitions } from "./postgres-locks.ts";
import { readSubjectDecision } from "./postgres-log.ts";
import { readConsentView, readEvent, readProfile, readSends } from "./postgres-reads.ts";
import type { Database } from "./postgres-tables.ts";
import { insertTimer, readPendingTimers, settleTimer } from "./postgres-timers.ts";
import {
  insertConsent,
  insertDelivery,
  insertEvent,
  insertReview,
  replaceDeferral,
  upsertAttributes,
  upsertSuppression,
} from "./postgres-writes.ts";

/** Whether the transaction a `SubjectTx` belongs to is still running, and what it shares. */
export interface TxState {
  open: boolean;
  readonly crypto: SubjectCrypto;
  /** Each subject's sealing for this transaction: a key is read (or made) once. */
  readonly sealings: Map<string, SubjectSealing>;
}

/**
 * One subject's part of a PostgreSQL transaction. The caller holds the subject's advisory lock
 * for the whole transaction; every write checks that it concerns this subject, and every call
 * after the transaction ended fails instead of writing outside it.
 */
export class PostgresSubjectTx implements SubjectTx {
  constructor(
    readonly subjectId: string,
    private readonly trx: Transaction<Database>,
    private readonly state: TxState,
  ) {}

  async insertEvent(event: AssentEvent): Promise<"inserted" | "duplicate"> {
    const db = this.db(event.subjectId);
    return insertEvent(db, event, await this.sealing().sealer());
  }

  async event(eventId: string): Promise<AssentEvent | undefined> {
    return readEvent(this.db(), this.subjectId, eventId, await this.sealing().opener());
  }

  async applyAttributes(
    event: AssentEvent,
    values: Readonly<Record<string, AttributeValue>>,
  ): Promise<void> {
    const db = this.db(event.subjectId);
    return upsertAttributes(db, event, values, await this.sealing().sealer());
  }

  async profile(): Promise<Profile> {
    return readProfile(this.db(), this.subjectId, await this.sealing().opener());
  }

  async appendConsent(record: ConsentRecord): Promise<void> {
    const db = this.db(record.subjectId);
    return insertConsent(db, record, await this.sealing().sealer());
  }

  async appendSuppression(record: SuppressionRecord): Promise<void> {
    return upsertSuppression(this.db(record.subjectId), record);
  }

  async setContact(channel: Channel, jurisdiction: string): Promise<void> {
    await this.db()
      .insertInto("contacts")
      .values({ subject_id: this.subjectId, channel, jurisdiction })
      .onConflict((oc) => oc.columns(["subject_id", "channel"]).doUpdateSet({ jurisdiction }))
      .execute();
  }

  /** Keeps the first instant the signal was seen. */
  async recordGpc(at: Instant): Promise<void> {
    await this.db()
      .insertInto("gpc")
      .values({ subject_id: this.subjectId, since: at })
      .onConflict((oc) =>
        oc.column("subject_id").doUpdateSet({ since: at }).where("gpc.since", ">", at),
      )
      .execute();
  }

  async consentView(): Promise<ConsentView> {
    const sealing = this.sealing();
    const view = { open: await sealing.opener(), tombstone: sealing.tombstone() };
    return readConsentView(this.db(), this.subjectId, view);
  }

  async sends(since: Instant): Promise<SendRecord[]> {
    return readSends(this.db(), this.subjectId, since);
  }

  async recordSend(send: SendRecord & { readonly decisionId: string }): Promise<void> {
    const { at, channel, nodeId, basis, decisionId } = send;
    const row = { at, channel, node_id: nodeId, basis, decision_id: decisionId };
    await this.db()
      .insertInto("sends")
      .values({ ...row, subject_id: this.subjectId })
      .execute();
  }

  /**
   * Locks the partition before reading its head, so that two writers (in this process or
   * another) never build on the same head: the chain cannot fork. The lock is held to commit.
   */
  async appendDecision(entry: NewLogEntry): Promise<LogRecord> {
    const db = this.db(entry.decision.subjectId);
    const partition = partitionOf(this.subjectId);
    // An erased subject gets no new key: their later decisions hold only the tombstone's verdict.
    const seal = (await this.erasedAt()) === undefined ? await this.sealing().sealer() : undefined;
    await lockPartitions(db, [partition]);
    const head = await db
      .selectFrom("decision_log")
      .select(["seq", "hash"])
      .where("partition", "=", partition)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();

    const record = nextLogRecord(this.subjectId, entry, head, partition, seal);
    const { prevHash, decisionId, subjectId, traceId, recordedAt, ...rest } = record;
    await db
      .insertInto("decision_log")
      .values({
        ...rest,
        decision_id: decisionId,
        prev_hash: prevHash,
        subject_id: subjectId,
        trace_id: traceId,
        recorded_at: recordedAt,
      })
      .execute();
    return record;
  }

  async pendingTimers(): Promise<Timer[]> {
    return readPendingTimers(this.db(), this.subjectId);
  }

  async createTimer(timer: Timer): Promise<void> {
    return insertTimer(this.db(timer.subjectId), timer);
  }

  async settleTimer(
    timerId: string,
    status: Exclude<TimerStatus, "pending">,
    at: Instant,
  ): Promise<boolean> {
    return settleTimer(this.db(), this.subjectId, timerId, status, at);
  }

  async enqueueDelivery(delivery: NewDelivery): Promise<void> {
    return insertDelivery(this.db(delivery.subjectId), delivery);
  }

  async scheduleDeferral(deferral: Deferral): Promise<void> {
    return replaceDeferral(this.db(deferral.subjectId), deferral);
  }

  async completeDeferral(deferralId: string): Promise<void> {
    await this.db()
      .updateTable("deferrals")
      .set({ status: "done" })
      .where("deferral_id", "=", deferralId)
      .where("subject_id", "=", this.subjectId)
      .where("status", "=", "pending")
      .execute();
  }

  async openReview(review: Review): Promise<void> {
    return insertReview(this.db(review.subjectId), review);
  }

  async settleReview(
    reviewId: string,
    status: Exclude<ReviewStatus, "pending">,
    at: Instant,
  ): Promise<void> {
    const result = await this.db()
      .updateTable("reviews")
      .set({ status, settled_at: at })
      .where("review_id", "=", reviewId)
      .where("subject_id", "=", this.subjectId)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new StoreError("review_not_pending");
  }

  async decision(decisionId: string): Promise<StoredDecision | undefined> {
    const open = await this.sealing().opener();
    return readSubjectDecision(this.db(), this.subjectId, decisionId, open);
  }

  async pendingWork(): Promise<PendingWork[]> {
    return readPendingWork(this.db(), this.subjectId);
  }

  async cancelWork(work: PendingWork, reason: string, at: Instant): Promise<void> {
    return cancelWork(this.db(), this.subjectId, work, reason, at);
  }

  async erasedAt(): Promise<Instant | undefined> {
    return readErasedAt(this.db(), this.sealing().tombstone());
  }

  async erase(at: Instant): Promise<ErasedCounts> {
    return shredSubject(this.db(), this.sealing(), at);
  }

  /** The subject's sealing, shared by every part of the transaction that concerns them. */
  private sealing(): SubjectSealing {
    let sealing = this.state.sealings.get(this.subjectId);
    if (sealing === undefined) {
      sealing = postgresSealing(this.db(), this.state.crypto, this.subjectId);
      this.state.sealings.set(this.subjectId, sealing);
    }
    return sealing;
  }

  /** The transaction, once checked to be running and (when given) to hold `subjectId`. */
  private db(subjectId: string = this.subjectId): Transaction<Database> {
    if (!this.state.open) throw new StoreError("transaction_closed");
    if (subjectId !== this.subjectId) throw new StoreError("outside_transaction");
    return this.trx;
  }
}
