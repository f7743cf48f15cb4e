import type {
  AssentEvent,
  AttributeState,
  AttributeValue,
  Channel,
  ConsentRecord,
  ConsentView,
  Decision,
  Instant,
  Profile,
  SendRecord,
  SuppressionRecord,
} from "../engine/types.ts";
import type { Timer, TimerStatus } from "../timers/timer.ts";

/**
 * The one interface both stores implement (SQLite and PostgreSQL), proven by one contract test
 * suite (`test/contract/store-contract.ts`). Everything a decision reads and writes for a subject
 * happens inside one `withSubject` transaction, serialised per subject, so caps hold under
 * concurrency and the decision, the send, the outbox entry and the log record commit together.
 *
 * No method updates or deletes a decision-log record.
 */
export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Where the data lives, for people: a file path or a URL without its password. */
  readonly location: string;
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /**
   * Runs `work` in one transaction that holds the subject's lock: no other `withSubject` for
   * the same subject runs at the same time, on this process or another. Commits when `work`
   * resolves, rolls back (writing nothing) when it throws.
   */
  withSubject<T>(subjectId: string, work: (tx: SubjectTx) => Promise<T>): Promise<T>;

  /**
   * Runs `work` for several subjects in one transaction (group commit). Each subject's part is
   * still serialised with other writers of that subject.
   */
  withSubjects<T>(subjectIds: readonly string[], work: (tx: StoreTx) => Promise<T>): Promise<T>;

  // ---------------------------------------------------------------- reads

  getDecision(decisionId: string): Promise<StoredDecision | undefined>;
  /** Newest first. */
  decisionsOf(subjectId: string, limit: number): Promise<StoredDecision[]>;
  /** The consent view of a subject with only records captured at or before `asOf`. */
  consentView(subjectId: string, asOf?: Instant): Promise<ConsentView>;
  profile(subjectId: string): Promise<Profile>;
  /** Sends at or after `since`, read outside any transaction (dry runs). */
  sendsOf(subjectId: string, since: Instant): Promise<SendRecord[]>;
  /** Every stored event of a subject, by occurredAt then id (the GDPR Art. 15 export). */
  eventsOf(subjectId: string): Promise<AssentEvent[]>;
  /** Every outbox delivery of a subject, by dueAt then id (the GDPR Art. 15 export). */
  deliveriesOf(subjectId: string): Promise<Delivery[]>;

  /** The decision log of one partition in chain order (seq ascending). */
  readLog(partition: number): AsyncIterable<LogRecord>;
  /** Partitions that hold at least one record. */
  logPartitions(): Promise<number[]>;
  /** Each chain's head as the database recorded it on every append. */
  logHeads(): Promise<LogHead[]>;

  /** Deferred decisions due at or before `until`, oldest first. */
  dueDeferrals(until: Instant, limit: number): Promise<Deferral[]>;
  /**
   * Subjects with work due at or before `until`: a pending timer or deferral, or a pending
   * review past its expiry. A replay group holds them too, to tick its clock in its transaction.
   */
  dueSubjects(until: Instant): Promise<string[]>;
  reviews(status: ReviewStatus | "all", limit: number): Promise<Review[]>;
  getReview(reviewId: string): Promise<Review | undefined>;

  // ---------------------------------------------------------------- timers

  /**
   * Leases up to `limit` pending timers due at `now`, soonest first, for `leaseMs`: schedulers
   * in several processes each get their own. The lease only shares the work; a timer fires once
   * because `settleTimer` moves it from pending to fired in the firing's transaction.
   */
  claimDueTimers(now: Instant, limit: number, leaseMs: number): Promise<Timer[]>;
  /** A subject's pending timers, soonest first. */
  timersOf(subjectId: string): Promise<Timer[]>;
  /** The due instant of the soonest pending timer, if any (when the scheduler should wake). */
  nextTimerDue(): Promise<Instant | undefined>;
  /** Pending timers, and the due instant of the oldest one that is due at `now` and not fired. */
  timerStats(
    now: Instant,
  ): Promise<{ readonly pending: number; readonly oldestDueAt: Instant | undefined }>;

  // ---------------------------------------------------------------- outbox

  /**
   * Claims up to `limit` deliveries that are pending and due at `now`, for `leaseMs`. A claimed
   * delivery is not handed to another worker until its lease expires.
   */
  claimDeliveries(now: Instant, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Records one recipient's attempt; never changes another recipient's row. */
  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void>;
  outboxDepth(): Promise<number>;
  /** Pending work in the outbox and among deferred decisions (saturation metrics). */
  backlog(): Promise<Backlog>;
}

/** What a transaction can touch across subjects (group commit). */
export interface StoreTx {
  /** The part of the transaction that concerns one subject. */
  subject(subjectId: string): SubjectTx;
  /** The held subjects' work due at or before `until`, read inside the transaction. */
  dueWork(until: Instant): Promise<DueWork>;
}

/** Work that comes due with time passing, of the subjects a transaction holds. */
export interface DueWork {
  /** Pending timers, soonest first (by due instant, then id). */
  readonly timers: readonly Timer[];
  /** Pending deferrals, oldest first (by due instant, then id). */
  readonly deferrals: readonly Deferral[];
  /** Pending reviews past their expiry, by opening instant, then id. */
  readonly reviews: readonly Review[];
}

/** Reads and writes for one subject inside a transaction. */
export interface SubjectTx {
  readonly subjectId: string;

  /** Stores the event unless its id was seen before: `duplicate` means nothing was written. */
  insertEvent(event: AssentEvent): Promise<"inserted" | "duplicate">;
  /** A stored event of this subject (to re-decide a deferral or a review). */
  event(eventId: string): Promise<AssentEvent | undefined>;
  /**
   * Sets attributes from an event with lineage. An attribute whose stored value is newer (by
   * occurredAt) than the event is left alone: out-of-order events never overwrite newer values.
   */
  applyAttributes(
    event: AssentEvent,
    values: Readonly<Record<string, AttributeValue>>,
  ): Promise<void>;
  profile(): Promise<Profile>;

  appendConsent(record: ConsentRecord): Promise<void>;
  appendSuppression(record: SuppressionRecord): Promise<void>;
  setContact(channel: Channel, jurisdiction: string): Promise<void>;
  recordGpc(at: Instant): Promise<void>;
  consentView(): Promise<ConsentView>;

  /** Sends at or after `since`, for caps. */
  sends(since: Instant): Promise<SendRecord[]>;
  recordSend(send: SendRecord & { readonly decisionId: string }): Promise<void>;

  /** Appends to the subject's partition chain; returns the record with its hash. */
  appendDecision(entry: NewLogEntry): Promise<LogRecord>;
  enqueueDelivery(delivery: NewDelivery): Promise<void>;
  /** Replaces any pending deferral for the same node and trigger event. */
  scheduleDeferral(deferral: Deferral): Promise<void>;
  completeDeferral(deferralId: string): Promise<void>;
  openReview(review: Review): Promise<void>;

  /** The subject's pending timers (to plan what an event creates, moves or cancels). */
  pendingTimers(): Promise<Timer[]>;
  /** Adds a pending timer; at most one per node and subject is pending at a time. */
  createTimer(timer: Timer): Promise<void>;
  /** Moves a pending timer to `status`; false (and nothing written) when it was not pending. */
  settleTimer(
    timerId: string,
    status: Exclude<TimerStatus, "pending">,
    at: Instant,
  ): Promise<boolean>;
  settleReview(
    reviewId: string,
    status: Exclude<ReviewStatus, "pending">,
    at: Instant,
  ): Promise<void>;

  /** A decision of this subject read inside the transaction (its own writes included). */
  decision(decisionId: string): Promise<StoredDecision | undefined>;
  /** The subject's deferrals, reviews and deliveries still pending, oldest first per kind. */
  pendingWork(): Promise<PendingWork[]>;
  /**
   * Cancels one piece of pending work before it happens: a deferral is done without being
   * re-decided, a review becomes `cancelled`, a delivery `cancelled` with `reason` as its code.
   * Work that is no longer pending is left alone. The caller logs why (a decision record).
   */
  cancelWork(work: PendingWork, reason: string, at: Instant): Promise<void>;

  /** When the subject was erased (their tombstone's instant), or undefined. */
  erasedAt(): Promise<Instant | undefined>;
  /**
   * Crypto-shreds the subject: destroys their key, deletes their profile, their events stored
   * up to now (selected by the store's own recording time, never by occurredAt), their sends,
   * contact points and GPC signal, blanks the evidence of their consent records, and writes the
   * tombstone (a keyed hash of the subject id) with instant `at`. The decision log is untouched:
   * its sealed parts can no longer be opened. Pending work must be cancelled first.
   */
  erase(at: Instant): Promise<ErasedCounts>;
}

/** A deferral, review or delivery that has not happened yet. */
export interface PendingWork {
  readonly kind: "deferral" | "review" | "delivery";
  /** The deferral, review or delivery id. */
  readonly id: string;
  /** The decision that deferred, asked for review or acted. */
  readonly decisionId: string;
}

/** What `erase` deleted or blanked, by kind. */
export interface ErasedCounts {
  readonly events: number;
  readonly attributes: number;
  readonly consentEvidence: number;
}

// ---------------------------------------------------------------- records

export interface StoredDecision {
  readonly decisionId: string;
  /** The OpenTelemetry trace of the event that led here, when tracing was on. */
  readonly traceId?: string;
  /** The decision's own span in that trace (an outbox delivery's span hangs under it). */
  readonly spanId?: string;
  readonly partition: number;
  readonly seq: number;
  readonly decision: Decision;
  /** The subject was erased: the explanation's steps were sealed and can no longer be read. */
  readonly explanationErased?: boolean;
}

export interface NewLogEntry {
  readonly decisionId: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly decision: Decision;
  readonly recordedAt: Instant;
}

/**
 * One decision-log record. `hash` = SHA-256 over the previous record's hash and the canonical
 * JSON of `body` (see `decision-log/`). `seq` counts from 1 within the partition.
 */
export interface LogRecord {
  readonly partition: number;
  readonly seq: number;
  readonly decisionId: string;
  readonly prevHash: string;
  readonly hash: string;
  /** The canonical JSON exactly as hashed. */
  readonly body: string;
  /**
   * Copies of body fields kept in their own columns for lookups (a subject's decisions, a
   * trace); the hash does not cover the columns, so `log verify` holds each to the body.
   */
  readonly subjectId: string;
  readonly traceId?: string;
  readonly recordedAt: number;
}

/** The last record of a partition's chain. */
export interface LogHead {
  readonly partition: number;
  readonly seq: number;
  readonly hash: string;
}

export interface Deferral {
  readonly deferralId: string;
  readonly subjectId: string;
  readonly nodeId: string;
  readonly eventId: string;
  readonly dueAt: Instant;
  /** The decision that deferred. */
  readonly decisionId: string;
}

/** `cancelled`: consent was withdrawn (or the subject erased) while it waited. */
export type ReviewStatus = "pending" | "approved" | "rejected" | "expired" | "cancelled";

export interface Review {
  readonly reviewId: string;
  readonly subjectId: string;
  readonly decisionId: string;
  readonly nodeId: string;
  readonly eventId: string;
  readonly openedAt: Instant;
  readonly expiresAt: Instant;
  readonly status: ReviewStatus;
  readonly settledAt?: Instant;
}

export interface NewDelivery {
  readonly deliveryId: string;
  /** (node, subject, trigger event): a connector sees the same key on every retry. */
  readonly idempotencyKey: string;
  readonly decisionId: string;
  readonly subjectId: string;
  readonly connector: string;
  readonly recipient: string;
  /** JSON payload for the connector: ids, template and bundle values only. */
  readonly payload: string;
  readonly dueAt: Instant;
}

export type DeliveryStatus = "pending" | "delivered" | "failed" | "cancelled";

export interface Delivery extends NewDelivery {
  readonly status: DeliveryStatus;
  readonly attempts: number;
}

export interface DeliveryAttempt {
  readonly at: Instant;
  readonly outcome: "delivered" | "transient" | "permanent";
  /** For transient failures: when to try again. */
  readonly retryAt?: Instant;
  /** A short code, never a response body (it may hold personal data). */
  readonly code: string;
}

/** One queue of pending work: how many items, and the earliest instant one of them is due. */
export interface QueueBacklog {
  readonly pending: number;
  /** Absent when nothing is pending. */
  readonly oldestDueAt?: Instant;
}

/** Pending deliveries (due, leased or waiting for a retry) and pending deferred decisions. */
export interface Backlog {
  readonly outbox: QueueBacklog;
  readonly deferrals: QueueBacklog;
}

export type { AttributeState };
