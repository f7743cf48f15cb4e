import type {
  ConsentRecord,
  ConsentView,
  Decision,
  Instant,
  Outcome,
  ReasonCode,
} from "../engine/types.ts";
import type { EventContentField } from "../ingest/event-conflict.ts";
import type { ConsentInput, EventInput } from "../ingest/input-schema.ts";
import type { SegmentOutcome, SegmentReceipt } from "../ingest/segment/segment-ingest.ts";
import type { SegmentCall } from "../ingest/segment/segment-schema.ts";
import type { Review, ReviewStatus, StoredDecision } from "../store/store.ts";
import type { Timer } from "../timers/timer.ts";
import type { FieldProblem } from "./errors.ts";

/**
 * The application layer: what every transport (HTTP, CLI, stream consumer) calls. Transports
 * only parse, authorise and call this; expected failures are AppErrors with a registry code.
 */
export interface AssentApp {
  /**
   * Stores, projects and decides each event; duplicates (same id) are ignored, and a re-sent
   * id with other content is a `conflict` that stores nothing. All-or-nothing on validation: if
   * any event is invalid nothing is stored and one AppError lists every bad field, its pointer
   * under `pointerBase(index)` (default: `/events/<index>`).
   */
  ingest(
    events: readonly EventInput[],
    pointerBase?: (index: number) => string,
  ): Promise<IngestOutcome[]>;
  /**
   * The bad fields `ingest` would refuse these events for, each with its pointer under
   * `pointerBase(index)`; none when every event is valid. Stores nothing. A transport that has
   * found problems of its own (a malformed event in a batch) adds these to them, so that one
   * answer names every bad field.
   */
  validate(
    events: readonly EventInput[],
    pointerBase?: (index: number) => string,
  ): Promise<readonly FieldProblem[]>;
  /**
   * Segment calls mapped through the catalog's `segment:` section and ingested as `ingest`
   * does, all or nothing: a problem in any call stores nothing and names the call's field.
   */
  ingestSegment(calls: readonly SegmentCall[], request: SegmentReceipt): Promise<SegmentOutcome[]>;
  /** Decides one event without storing anything (no event, no log record, no send). */
  dryRun(event: EventInput): Promise<Decision[]>;
  recordConsent(subjectId: string, input: ConsentInput): Promise<ConsentRecord>;
  /** The consent view now, or as of an instant. */
  consent(subjectId: string, asOf?: Instant): Promise<ConsentView>;
  decisionsOf(subjectId: string, limit: number): Promise<StoredDecision[]>;
  decision(decisionId: string): Promise<StoredDecision | undefined>;
  reviews(status: ReviewStatus | "all", limit: number): Promise<Review[]>;
  /** The subject's pending timers, soonest first, each with why it exists. */
  timersOf(subjectId: string): Promise<Timer[]>;
  /** Approve re-decides and acts (reason review_approved); reject suppresses. */
  settleReview(reviewId: string, verdict: "approved" | "rejected"): Promise<Review>;
  /**
   * Erases a subject (GDPR Art. 17) by crypto-shredding, as of `at`: cancels their pending
   * deferrals, reviews and deliveries (reason `subject_erased`), destroys their key (so their
   * sealed data in the decision log can never be read again), deletes their profile, events and
   * the personal fields of their consent evidence, and leaves a keyed-hash tombstone that
   * suppresses every later event for them. The log still verifies. Idempotent: a second call
   * reports `alreadyErased` and changes nothing.
   */
  eraseSubject(subjectId: string, at: Instant): Promise<ErasureReport>;
  /** Fires due timers, re-decides due deferrals and expires overdue reviews, as of `now`. */
  tick(now: Instant): Promise<{
    /** Timers that fired (each walked the pipeline as of its instant). */
    readonly timers: number;
    readonly deferrals: number;
    readonly expiredReviews: number;
    readonly decisions: readonly DecisionSummary[];
  }>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** What an erasure did: counts only, never the erased data. */
export interface ErasureReport {
  readonly subjectId: string;
  /** The instant the erasure took effect (the tombstone's time). */
  readonly erasedAt: Instant;
  /** True when the subject had been erased before: nothing was changed. */
  readonly alreadyErased: boolean;
  readonly deleted: {
    readonly events: number;
    readonly attributes: number;
    readonly consentEvidence: number;
  };
  readonly cancelled: {
    readonly deferrals: number;
    readonly reviews: number;
    readonly deliveries: number;
    /** Pending timers of time-triggered nodes, which would otherwise fire for no one. */
    readonly timers: number;
  };
}

export interface DecisionSummary {
  readonly decisionId: string;
  readonly nodeId: string;
  readonly outcome: Outcome;
  readonly reason: ReasonCode;
  readonly deferUntil?: string;
  /** On a decision a timer caused: the timer, its due instant and how late it fired. */
  readonly timer?: {
    readonly timerId: string;
    readonly dueAt: string;
    readonly firedLateByMs: number;
  };
}

export interface IngestOutcome {
  readonly eventId: string;
  /**
   * `duplicate`: the id was stored before with the same content; `conflict`: it was stored with
   * other content, named in `conflicting`. Neither stores nor decides anything.
   */
  readonly status: "accepted" | "duplicate" | "conflict";
  /** On a conflict: the names of the fields that differ from the stored event (never values). */
  readonly conflicting?: readonly EventContentField[];
  readonly decisions: readonly DecisionSummary[];
}
