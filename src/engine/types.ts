/**
 * The data the pure engine takes and returns. Nothing here performs I/O or reads a clock:
 * every instant is passed in as epoch milliseconds (UTC).
 */

import type { ReasonCode } from "./reasons.ts";

export type { ReasonCode };

/** Epoch milliseconds, UTC. */
export type Instant = number;

export type Outcome = "act" | "suppress" | "defer" | "review" | "holdout" | "abstain";

export const CHANNELS = ["email", "sms", "push", "in_app", "phone", "crm"] as const;
export type Channel = (typeof CHANNELS)[number];

/** The six lawful bases of GDPR Art. 6(1). */
export const LAWFUL_BASES = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

export const ACTION_KINDS = ["message", "task", "escalation"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Marks on a purpose that the Global Privacy Control signal opts out of. */
export const GPC_MARKS = ["sale", "sharing", "targeted_advertising"] as const;
export type GpcMark = (typeof GPC_MARKS)[number];

export type PurposeKind = "marketing" | "service";

export interface Purpose {
  readonly id: string;
  readonly kind: PurposeKind;
  readonly marks: readonly GpcMark[];
  readonly description: string;
}

// ---------------------------------------------------------------- events and profile

export interface AssentEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly subjectId: string;
  readonly occurredAt: Instant;
  readonly receivedAt: Instant;
  readonly source: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type AttributeValue = string | number | boolean | readonly string[];

export interface AttributeState {
  readonly value: AttributeValue;
  /** When the value was last set (the event's occurredAt). Freshness is measured from here. */
  readonly updatedAt: Instant;
  /** Lineage: the event that last set it. */
  readonly eventId?: string;
  readonly source?: string;
}

/**
 * A subject's profile: attribute name (as in the catalog, e.g. `claim.amount`) to state. A map,
 * not a record: every subject's set of attributes differs, and map lookups stay fast whatever
 * the set.
 */
export type Profile = ReadonlyMap<string, AttributeState>;

// ---------------------------------------------------------------- consent ledger

export type ConsentKind =
  /** An affirmative grant. */
  | "grant"
  /** A double opt-in that has not been confirmed: never a grant. */
  | "pending"
  /** Consent withdrawn (Art. 7(3)); effective from its own capturedAt. */
  | "withdrawal"
  /** Objection to processing (Art. 21); effective from its own capturedAt. */
  | "objection"
  /** Existing-customer soft opt-in recorded (ePrivacy Art. 13(2), PECR reg. 22(3)). */
  | "soft_opt_in";

export interface ConsentRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly purpose: string;
  /** `*` applies to every channel; a channel-specific record is more specific and wins ties. */
  readonly channel: Channel | "*";
  readonly kind: ConsentKind;
  /** When the consent tool captured it. The latest by this instant wins. */
  readonly capturedAt: Instant;
  readonly expiresAt?: Instant;
  /** Express written consent (for US marketing SMS under the TCPA). */
  readonly express?: boolean;
  readonly jurisdiction?: string;
  readonly source: string;
  /** An opaque reference to the evidence (form id, TCF string hash, ...). Never personal data. */
  readonly evidence: string;
}

export const SUPPRESSION_REASONS = [
  "unsubscribed",
  "hard_bounce",
  "complaint",
  "do_not_contact",
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly reason: SuppressionReason;
  readonly channel: Channel | "*";
  readonly since: Instant;
  /** When it was lifted (a re-subscribe, a corrected address); absent while in force. */
  readonly liftedAt?: Instant;
}

export interface ContactPoint {
  /** ISO 3166 country or a region code such as `EU`, `UK`, `US`. */
  readonly jurisdiction: string;
}

export interface ConsentView {
  readonly subjectId: string;
  readonly records: readonly ConsentRecord[];
  readonly suppressions: readonly SuppressionRecord[];
  /** Global Privacy Control: the instant the signal was first seen, if it was. */
  readonly gpcSince?: Instant;
  readonly contacts: Readonly<Partial<Record<Channel, ContactPoint>>>;
  /**
   * When the subject's data was erased (GDPR Art. 17): a view that carries it suppresses every
   * decision for them (`subject_erased`), whatever else it says.
   */
  readonly erasedAt?: Instant;
}

// ---------------------------------------------------------------- pacing

export interface SendRecord {
  readonly at: Instant;
  readonly channel: Channel;
  readonly nodeId: string;
  readonly basis: LawfulBasis;
}

export type CapScope = "node" | "channel" | "global";

export interface Cap {
  /** A name, so that a node may be exempt from it. */
  readonly id: string;
  readonly scope: CapScope;
  /** For scope `channel` (and optionally `global`): the channel it counts. */
  readonly channel?: Channel;
  /** Absent means no maximum: the cap never fails. Zero is refused at load. */
  readonly max?: number;
  readonly periodMs: number;
  /**
   * `marketing` (default) ignores sends and requests on a service basis (contract,
   * legal_obligation, vital_interests, public_task); `all` counts them.
   */
  readonly counts: "marketing" | "all";
}

export interface QuietHours {
  /** Wall-clock minutes after midnight, [start, end) in the subject's zone. */
  readonly startMinute: number;
  readonly endMinute: number;
  /** `defer` (default) waits for the next allowed instant; `drop` suppresses. */
  readonly mode: "defer" | "drop";
}

// ---------------------------------------------------------------- decisions

export type Verdict = "pass" | "fail" | "skip";

export interface ExplanationStep {
  readonly step: StepName;
  readonly verdict: Verdict;
  readonly reason?: ReasonCode;
  /** Ids of consent records, suppressions, sends or events this step relied on. */
  readonly evidence: readonly string[];
  /** Bundle attributes read by this step. */
  readonly attributes: readonly string[];
  readonly detail: string;
}

export const STEP_NAMES = [
  "trigger",
  "freshness",
  "eligibility",
  "permission",
  "scope",
  "pacing",
  "assignment",
  "choice",
  "review",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface ChosenAction {
  readonly kind: ActionKind;
  readonly template: string;
  readonly channel: Channel;
  readonly value: number;
  readonly priority: number;
  readonly score?: number;
}

/**
 * A durable timer coming due: what a time-triggered node decides on instead of a fresh event.
 * The timer kinds and their records live in `src/timers/`; the engine needs only this.
 */
export interface TimerFiring {
  readonly timerId: string;
  /** The instant the timer was set for. */
  readonly dueAt: Instant;
  /** The instant the scheduler fired it: `dueAt`, or later when the service was down. */
  readonly firedAt: Instant;
  /** Why the timer exists, in words (`3d after claim.opened e-1, unless claim.closed`). */
  readonly why: string;
}

/** On a decision that a timer caused: which one, when it was due and how late it fired. */
export interface TimerFact {
  readonly timerId: string;
  readonly dueAt: Instant;
  readonly firedLateByMs: number;
  readonly why: string;
}

export interface Decision {
  readonly nodeId: string;
  readonly playbook: string;
  readonly subjectId: string;
  readonly eventId: string;
  readonly decidedAt: Instant;
  readonly outcome: Outcome;
  readonly reason: ReasonCode;
  /** The action taken, or for `holdout`, `review` and `defer` the one it would take. */
  readonly action?: ChosenAction;
  readonly deferUntil?: Instant;
  readonly arm?: string;
  readonly purpose: string;
  readonly basis: LawfulBasis;
  readonly steps: readonly ExplanationStep[];
  /** One plain-language sentence for the subject. */
  readonly sentence: string;
  readonly versions: {
    readonly release: string;
    readonly playbook: number;
    readonly model?: string;
  };
  /** For reason `error`: a stable code. Never a stack trace, never personal data. */
  readonly errorCode?: string;
  /** For a decision a timer caused: the timer, its due instant and how late it fired. */
  readonly timer?: TimerFact;
}
