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
import { type ChainHead, nextLogRecord } from "../log-records.ts";
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
  cancelPendingWork,
  readPendingWork,
  readSubjectDecision,
  shredSubject,
  sqliteSealing,
} from "./erasure-tx.ts";
import type { ReadStatements } from "./read-statements.ts";
import { consentOf, eventOf } from "./rows.ts";
import { SubjectCache } from "./subject-cache.ts";
import type { SubjectMemo, SubjectMemory } from "./subject-memory.ts";
import { timerOf } from "./timer-statements.ts";
import { readConsentView, readProfile, readSends } from "./views.ts";
import type { WriteStatements } from "./write-statements.ts";

/** What every subject part of one transaction shares: the writer's statements and its state. */
export interface TxScope {
  readonly reads: ReadStatements;
  readonly writes: WriteStatements;
  readonly now: () => Instant;
  /**
   * Each partition's chain head as this transaction left it. The transaction holds the write
   * lock and appends only through `appendDecision`, so a head read once stays right until the
   * transaction's own next append, which replaces it here.
   */
  readonly heads: Map<number, ChainHead>;
  /** Seals personal data under per-subject keys (crypto-shredding). */
  readonly crypto: SubjectCrypto;
  /** What committed transactions left of subjects (see `SubjectMemory`). */
  readonly memory: SubjectMemory;
  /** Every subject part of this transaction: the store remembers them once it commits. */
  readonly parts: SqliteSubjectTx[];
  /** Set when the transaction erased a subject: the store folds the WAL away after commit. */
  shredded: boolean;
  /** False once the transaction has committed or rolled back. */
  open: boolean;
}

/**
 * One subject's part of a transaction on the writer connection. better-sqlite3 is synchronous,
 * so each method does its work at once; the promise is for the Store interface.
 */
export class SqliteSubjectTx implements SubjectTx {
  readonly #cache: SubjectCache;
  readonly #memo: SubjectMemo | undefined;
  #partition: number | undefined;
  #sealing: SubjectSealing | undefined;
  #erasedAt: Instant | null | undefined;
  #erased = false;

  constructor(
    readonly subjectId: string,
    private readonly scope: TxScope,
  ) {
    this.#memo = scope.memory.take(subjectId);
    this.#cache = new SubjectCache(this.#memo?.views);
    this.#erasedAt = this.#memo?.erasedAt;
    scope.parts.push(this);
  }

  /**
   * What this part leaves for later transactions of the subject, once committed; undefined after
   * an erasure (nothing of an erased subject is kept in memory).
   */
  memo(): SubjectMemo | undefined {
    if (this.#erased) return undefined;
    const sealing = this.#sealing?.state() ?? this.#memo?.sealing;
    const known = sealing ?? { key: undefined, tombstone: undefined };
    return { views: this.#cache.views(), sealing: known, erasedAt: this.#erasedAt };
  }

  async insertEvent(event: AssentEvent): Promise<"inserted" | "duplicate"> {
    const { writes } = this.live(event.subjectId);
    const { id, subjectId, type, schemaVersion, occurredAt, receivedAt, source } = event;
    const seal = this.sealing().knownSealer() ?? (await this.sealing().sealer());
    const data = seal(JSON.stringify(event.data));
    const at = this.scope.now();
    const result = writes.insertEvent.run(
      ...([id, subjectId, type, schemaVersion, occurredAt, receivedAt, source, data, at] as const),
    );
    return result.changes === 0 ? "duplicate" : "inserted";
  }

  async event(eventId: string): Promise<AssentEvent | undefined> {
    const row = this.live().reads.event.get(eventId, this.subjectId);
    if (row === undefined) return undefined;
    const data = (await this.sealing().opener())(row.data);
    return data === undefined ? undefined : eventOf({ ...row, data });
  }

  async applyAttributes(
    event: AssentEvent,
    values: Readonly<Record<string, AttributeValue>>,
  ): Promise<void> {
    const { writes } = this.live(event.subjectId);
    const { id, occurredAt, source } = event;
    const seal = this.sealing().knownSealer() ?? (await this.sealing().sealer());
    // Read before writing: the profile then follows the writes in memory instead of opening
    // them again later (for a new subject, the read finds nothing and costs one lookup).
    const before = this.#cache.takeProfile() ?? (await this.readProfile());
    const written: [string, string][] = [];
    for (const [name, value] of Object.entries(values)) {
      const json = JSON.stringify(value);
      const current = before.get(name);
      if (current !== undefined && JSON.stringify(current.value) === json) {
        const where = [this.subjectId, name, occurredAt, occurredAt, id] as const;
        writes.touchAttribute.run(occurredAt, id, source, ...where);
      } else {
        writes.upsertAttribute.run(this.subjectId, name, seal(json), occurredAt, id, source);
      }
      written.push([name, json]);
    }
    this.#cache.applyAttributes(before, event, written);
  }

  async profile(): Promise<Profile> {
    const { reads } = this.live();
    const open = await this.sealing().opener();
    return this.#cache.profile(() => readProfile(reads, this.subjectId, open));
  }

  private async readProfile(): Promise<Profile> {
    return readProfile(this.live().reads, this.subjectId, await this.sealing().opener());
  }

  async appendConsent(record: ConsentRecord): Promise<void> {
    const { writes } = this.live(record.subjectId);
    const seal = this.sealing().knownSealer() ?? (await this.sealing().sealer());
    const evidence = seal(record.evidence);
    const columns = {
      expiresAt: record.expiresAt ?? null,
      express: record.express === undefined ? null : Number(record.express),
      jurisdiction: record.jurisdiction ?? null,
    };
    const result = writes.insertConsent.run({ ...record, evidence, ...columns });
    // A record whose id was stored before changes nothing (ON CONFLICT DO NOTHING).
    if (result.changes > 0) this.#cache.consentAppended(() => storedConsent(record, columns));
  }

  async appendSuppression(record: SuppressionRecord): Promise<void> {
    const { writes } = this.live(record.subjectId);
    this.#cache.forgetConsent();
    writes.upsertSuppression.run({ ...record, liftedAt: record.liftedAt ?? null });
  }

  async setContact(channel: Channel, jurisdiction: string): Promise<void> {
    const { writes } = this.live();
    writes.upsertContact.run(this.subjectId, channel, jurisdiction);
    this.#cache.contactSet(channel, jurisdiction);
  }

  async recordGpc(at: Instant): Promise<void> {
    const { writes } = this.live();
    this.#cache.forgetConsent();
    writes.upsertGpc.run(this.subjectId, at);
  }

  async consentView(): Promise<ConsentView> {
    const { reads } = this.live();
    const sealing = this.sealing();
    const view = { open: await sealing.opener(), tombstone: sealing.tombstone() };
    return this.#cache.consentView(() => readConsentView(reads, this.subjectId, view));
  }

  async sends(since: Instant): Promise<SendRecord[]> {
    const { reads } = this.live();
    return this.#cache.sends(since, () => readSends(reads, this.subjectId, since));
  }

  async recordSend(send: SendRecord & { readonly decisionId: string }): Promise<void> {
    const { at, channel, nodeId, basis, decisionId } = send;
    const row = { subjectId: this.subjectId, at, channel, nodeId, basis, decisionId };
    const { writes } = this.live();
    this.#cache.forgetSends();
    writes.insertSend.run(row);
  }

  async appendDecision(entry: NewLogEntry): Promise<LogRecord> {
    const { reads, writes, heads } = this.live(entry.decision.subjectId);
    const partition = this.partition();
    // An erased subject gets no new key: their later decisions hold only the tombstone's verdict.
    const seal = (await this.erasedAt()) === undefined ? await this.sealing().sealer() : undefined;
    // The write lock is held, so the head read here is still the head when the insert runs.
    const head = heads.get(partition) ?? reads.chainHead.get(partition);
    const record = nextLogRecord(this.subjectId, entry, head, partition, seal);
    writes.insertLog.run({ ...record, traceId: record.traceId ?? null });
    heads.set(partition, { seq: record.seq, hash: record.hash });
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

  async pendingTimers(): Promise<Timer[]> {
    const { reads } = this.live();
    return this.#cache.pendingTimers(() => reads.pendingTimers.all(this.subjectId).map(timerOf));
  }

  async createTimer(timer: Timer): Promise<void> {
    const { writes } = this.live(timer.subjectId);
    const { timerId, subjectId, nodeId, kind, dueAt, eventId, causeAt, why, createdAt } = timer;
    const row = { timerId, subjectId, nodeId, kind, dueAt, eventId, causeAt, why, createdAt };
    writes.insertTimer.run(row);
    this.#cache.timerCreated(timer);
  }

  async settleTimer(
    timerId: string,
    status: Exclude<TimerStatus, "pending">,
    at: Instant,
  ): Promise<boolean> {
    const settled = this.live().writes.settleTimer.run(status, at, timerId, this.subjectId);
    if (settled.changes > 0) this.#cache.timerSettled(timerId);
    return settled.changes > 0;
  }

  async decision(decisionId: string): Promise<StoredDecision | undefined> {
    return readSubjectDecision(this.live().reads, this.sealing(), decisionId);
  }

  async pendingWork(): Promise<PendingWork[]> {
    return readPendingWork(this.live().reads, this.subjectId);
  }

  async cancelWork(work: PendingWork, reason: string, at: Instant): Promise<void> {
    cancelPendingWork(this.live().writes, this.subjectId, work, reason, at);
  }

  async erasedAt(): Promise<Instant | undefined> {
    if (this.#erasedAt === undefined) {
      const row = this.live().reads.erasedAt.get(this.sealing().tombstone());
      this.#erasedAt = row?.erased_at ?? null;
    }
    return this.#erasedAt ?? undefined;
  }

  async erase(at: Instant): Promise<ErasedCounts> {
    const scope = this.live();
    const counts = shredSubject(scope.writes, this.sealing(), at, scope.now());
    scope.shredded = true;
    this.#erased = true;
    this.#erasedAt = at;
    this.#cache.forgetAll();
    return counts;
  }

  /** The subject's sealing for this transaction: their key is read (or made) once. */
  private sealing(): SubjectSealing {
    const { crypto, reads, writes } = this.live();
    this.#sealing ??= sqliteSealing(this.subjectId, crypto, reads, writes, this.#memo?.sealing);
    return this.#sealing;
  }

  /** The subject's decision-log partition: a hash, so worked out once. */
  private partition(): number {
    this.#partition ??= partitionOf(this.subjectId);
    return this.#partition;
  }

  /** The scope, once checked that the transaction is open and the record is this subject's. */
  private live(recordSubjectId: string = this.subjectId): TxScope {
    if (!this.scope.open) throw new StoreError("transaction_closed");
    if (recordSubjectId !== this.subjectId) throw new StoreError("outside_transaction");
    return this.scope;
  }
}

/** A consent record as a read of the row just inserted gives it back (`consentOf`). */
function storedConsent(
  record: ConsentRecord,
  columns: { expiresAt: number | null; express: number | null; jurisdiction: string | null },
): ConsentRecord {
  return consentOf({
    id: record.id,
    subject_id: record.subjectId,
    purpose: record.purpose,
    channel: record.channel,
    kind: record.kind,
    captured_at: record.capturedAt,
    expires_at: columns.expiresAt,
    express: columns.express,
    jurisdiction: columns.jurisdiction,
    source: record.source,
    evidence: record.evidence,
  });
}
