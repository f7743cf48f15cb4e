import type { ConsentRecord, ConsentView, Decision, Instant } from "../engine/types.ts";
import type { Review, StoredDecision } from "../store/store.ts";
import type { Timer } from "../timers/timer.ts";

/**
 * Response shapes. Clients send instants as ISO 8601 strings, so they get them back that way;
 * inside, instants are epoch milliseconds. Everything else passes through unchanged.
 */

/** The last instant formatted: decisions answered in the same millisecond share it. */
let lastInstant = Number.NaN;
let lastIso = "";

function iso(instant: Instant): string {
  if (instant !== lastInstant) {
    lastIso = new Date(instant).toISOString();
    lastInstant = instant;
  }
  return lastIso;
}

function isoOrAbsent(instant: Instant | undefined): string | undefined {
  return instant === undefined ? undefined : iso(instant);
}

/**
 * A decision with its explanation steps and sentence, instants in ISO 8601, fields in the
 * decision's order. `deferUntil` and `timer` are replaced only when present: a view holding them
 * as undefined took twice as long to build and write (decide answers one view per decision).
 */
export function decisionView(decision: Decision) {
  const { deferUntil, timer } = decision;
  return {
    ...decision,
    decidedAt: iso(decision.decidedAt),
    ...(deferUntil === undefined ? undefined : { deferUntil: iso(deferUntil) }),
    ...(timer === undefined ? undefined : { timer: { ...timer, dueAt: iso(timer.dueAt) } }),
  };
}

/** A stored decision: its id, trace id, place in the log and the decision itself. */
export function storedDecisionView(stored: StoredDecision) {
  return { ...stored, decision: decisionView(stored.decision) };
}

/** A consent ledger record. */
export function consentRecordView(record: ConsentRecord) {
  return {
    ...record,
    capturedAt: iso(record.capturedAt),
    expiresAt: isoOrAbsent(record.expiresAt),
  };
}

/** A subject's consent view: records, suppressions, the GPC signal and contact points. */
export function consentView(view: ConsentView) {
  return {
    ...view,
    records: view.records.map(consentRecordView),
    suppressions: view.suppressions.map((suppression) => ({
      ...suppression,
      since: iso(suppression.since),
      liftedAt: isoOrAbsent(suppression.liftedAt),
    })),
    gpcSince: isoOrAbsent(view.gpcSince),
    erasedAt: isoOrAbsent(view.erasedAt),
  };
}

/** A review. */
export function reviewView(review: Review) {
  return {
    ...review,
    openedAt: iso(review.openedAt),
    expiresAt: iso(review.expiresAt),
    settledAt: isoOrAbsent(review.settledAt),
  };
}

/** A pending timer as the API shows it: instants as ISO 8601, and why it exists. */
export function timerView(timer: Timer) {
  return {
    timerId: timer.timerId,
    nodeId: timer.nodeId,
    kind: timer.kind,
    dueAt: iso(timer.dueAt),
    why: timer.why,
    eventId: timer.eventId,
    createdAt: iso(timer.createdAt),
  };
}
