import { checkPermission, type PermissionReason } from "../consent/permission.ts";
import { REASONS } from "../engine/reasons.ts";
import type { ConsentView, Decision, ExplanationStep, Instant } from "../engine/types.ts";
import type { Delivery, PendingWork, Store, SubjectTx } from "../store/store.ts";
import type { DecisionSummary } from "./assent-app.ts";
import { findNode, type RecorderDeps, record } from "./recorder.ts";

/**
 * Withdrawal beats everything in flight (DESIGN.md, "Trust features"). After any change to a
 * subject's consent — a ledger record, a suppression, GPC — every deferred decision, pending
 * review and undelivered outbox entry whose node may no longer act for its purpose on its
 * channel (by the rules of `src/consent`) is cancelled in the same transaction, and each
 * cancellation is logged as a decision (`withdrawn_in_flight`, the permission step naming the
 * record that ended it). The outbox worker asks again just before each attempt.
 */

/** Why a piece of work may no longer happen: a permission refusal or the subject's erasure. */
export interface Refusal {
  readonly reason: PermissionReason | "subject_erased";
  readonly evidence: readonly string[];
  readonly detail: string;
}

/** How many pieces of pending work were cancelled, by kind. */
export interface CancelledCounts {
  deferrals: number;
  reviews: number;
  deliveries: number;
}

/** What a cancellation did: how much work of each kind, and the decisions that logged it. */
export interface Cancelled {
  readonly counts: CancelledCounts;
  readonly decisions: readonly DecisionSummary[];
}

/**
 * Cancels the subject's pending work that `view` no longer permits as of `at`, logging one
 * decision per cancelled decision. Work of a node no playbook has any more is left to the
 * scheduler, which drops it.
 */
export async function cancelUnpermitted(
  tx: SubjectTx,
  deps: RecorderDeps,
  at: Instant,
): Promise<Cancelled> {
  const pending = await tx.pendingWork();
  if (pending.length === 0) return { counts: noneCancelled(), decisions: [] };
  const view = await tx.consentView();
  return cancelInFlight(tx, deps, pending, at, (decision) => refusalOf(view, deps, decision, at));
}

/** Cancels every piece of pending work (erasure), with `refusal` as the reason. */
export async function cancelAll(
  tx: SubjectTx,
  deps: RecorderDeps,
  at: Instant,
  refusal: Refusal,
): Promise<Cancelled> {
  return cancelInFlight(tx, deps, await tx.pendingWork(), at, () => refusal);
}

/**
 * Whether the node behind `decision` may still act for its purpose and basis on the channel it
 * chose (on any of its channels when it chose none) as of `at`: the refusal if not.
 */
export function refusalOf(
  view: ConsentView,
  deps: RecorderDeps,
  decision: Decision,
  at: Instant,
): Refusal | undefined {
  if (view.erasedAt !== undefined) return erasedRefusal(view.erasedAt);
  const node = findNode(deps, decision.nodeId);
  if (node === undefined) return undefined;
  const channels = decision.action === undefined ? node.channels : [decision.action.channel];
  let first: Refusal | undefined;
  for (const channel of channels) {
    const result = checkPermission(view, {
      purpose: node.purpose,
      basis: decision.basis,
      channel,
      at,
    });
    if (result.ok) return undefined;
    first ??= result;
  }
  return first;
}

/** The refusal an erasure gives every piece of pending work. */
export function erasedRefusal(erasedAt: Instant): Refusal {
  const detail = `the subject's data was erased at ${new Date(erasedAt).toISOString()} (GDPR Art. 17)`;
  return { reason: "subject_erased", evidence: [], detail };
}

/**
 * The defence in depth of the outbox worker: just before an attempt, may this delivery still go
 * out as of `now`? Reads outside any transaction first (the common answer is yes); when the
 * answer is no, cancels it (and the rest of its decision's deliveries) in the subject's
 * transaction, asking again under the lock, and logs why.
 */
export async function recheckDelivery(
  store: Store,
  deps: RecorderDeps,
  delivery: Delivery,
  now: Instant,
): Promise<boolean> {
  const stored = await store.getDecision(delivery.decisionId);
  if (stored === undefined || stored.decision.subjectId !== delivery.subjectId) return true;
  const view = await store.consentView(delivery.subjectId);
  if (refusalOf(view, deps, stored.decision, now) === undefined) return true;
  await store.withSubject(delivery.subjectId, async (tx) => {
    const ofDecision = (await tx.pendingWork()).filter(
      (work) => work.kind === "delivery" && work.decisionId === delivery.decisionId,
    );
    const fresh = await tx.consentView();
    await cancelInFlight(tx, deps, ofDecision, now, (decision) =>
      refusalOf(fresh, deps, decision, now),
    );
  });
  return false;
}

async function cancelInFlight(
  tx: SubjectTx,
  deps: RecorderDeps,
  pending: readonly PendingWork[],
  at: Instant,
  refuse: (decision: Decision) => Refusal | undefined,
): Promise<Cancelled> {
  const counts = noneCancelled();
  const decisions: DecisionSummary[] = [];
  for (const [decisionId, works] of byDecision(pending)) {
    const stored = await tx.decision(decisionId);
    const refusal = stored === undefined ? undefined : refuse(stored.decision);
    if (stored === undefined || refusal === undefined) continue;
    for (const work of works) {
      await tx.cancelWork(work, cancelReason(refusal), at);
      counts[COUNTED[work.kind]] += 1;
    }
    decisions.push(await record(tx, deps, cancellation(stored.decision, works, refusal, at), at));
  }
  return { counts, decisions };
}

const COUNTED = {
  deferral: "deferrals",
  review: "reviews",
  delivery: "deliveries",
} as const satisfies Record<PendingWork["kind"], keyof CancelledCounts>;

function cancelReason(refusal: Refusal) {
  return refusal.reason === "subject_erased" ? "subject_erased" : "withdrawn_in_flight";
}

/**
 * The decision that records a cancellation: the original's steps up to permission, then a
 * failing permission step with the refusal's reason and evidence, outcome `suppress`.
 */
export function cancellation(
  original: Decision,
  works: readonly PendingWork[],
  refusal: Refusal,
  at: Instant,
): Decision {
  const reason = cancelReason(refusal);
  const before = original.steps.findIndex((step) => step.step === "permission");
  const kept = before < 0 ? [] : original.steps.slice(0, before);
  const what = [...new Set(works.map((work) => work.kind))].join(", ");
  const step: ExplanationStep = {
    step: "permission",
    verdict: "fail",
    reason: refusal.reason,
    evidence: refusal.evidence,
    attributes: [],
    detail: `cancelled before delivery (${what} of decision ${works[0]?.decisionId}): ${refusal.detail}`,
  };
  const { deferUntil: _deferUntil, ...rest } = original;
  return {
    ...rest,
    outcome: "suppress",
    reason,
    decidedAt: at,
    steps: [...kept, step],
    sentence: REASONS[reason].sentence,
  };
}

function byDecision(pending: readonly PendingWork[]): Map<string, PendingWork[]> {
  const groups = new Map<string, PendingWork[]>();
  for (const work of pending) {
    const group = groups.get(work.decisionId);
    if (group === undefined) groups.set(work.decisionId, [work]);
    else group.push(work);
  }
  return groups;
}

function noneCancelled(): CancelledCounts {
  return { deferrals: 0, reviews: 0, deliveries: 0 };
}
