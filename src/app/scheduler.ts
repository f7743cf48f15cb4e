import { REASONS } from "../engine/reasons.ts";
import type { Decision, ExplanationStep, Instant } from "../engine/types.ts";
import type { Deferral, DueWork, Review, Store, StoreTx, SubjectTx } from "../store/store.ts";
import { StoreError } from "../store/store-error.ts";
import { fireDueTimers, fireTimer, firingOf } from "../timers/timer-firing.ts";
import type { DecisionSummary } from "./assent-app.ts";
import { AppError } from "./errors.ts";
import { decide, decideAndRecord, findNode, type RecorderDeps, record } from "./recorder.ts";

/**
 * Time passing: deferred decisions come due and walk the whole pipeline again (consent is
 * checked again then), and reviews nobody settled expire after their SLA.
 */
export async function tick(store: Store, deps: RecorderDeps, now: Instant) {
  const timers = await fireDueTimers(store, deps, now);
  const decisions: DecisionSummary[] = [...timers.decisions];
  let deferrals = 0;
  for (;;) {
    const due = await store.dueDeferrals(now, 500);
    if (due.length > 0) decisions.push(...(await redecideAll(store, deps, due)));
    deferrals += due.length;
    if (due.length < 500) break;
  }
  const expired = await expireReviews(store, deps, now);
  decisions.push(...expired);
  return { timers: timers.fired, deferrals, expiredReviews: expired.length, decisions };
}

/**
 * Time passing at `now` inside a transaction that holds the subjects of the work due (a replay
 * group): the timers of `due` due by `now` fire, then the deferrals due by `now` are decided
 * again and the reviews expired by `now` expire, as `tick` does in transactions of its own.
 */
export async function tickHeld(
  tx: StoreTx,
  deps: RecorderDeps,
  now: Instant,
  due: DueWork,
): Promise<DecisionSummary[]> {
  const decisions: DecisionSummary[] = [];
  for (const timer of due.timers) {
    if (timer.dueAt > now) break;
    decisions.push(...((await fireTimer(tx.subject(timer.subjectId), deps, timer, now)) ?? []));
  }
  const after = await tx.dueWork(now);
  for (const deferral of after.deferrals) {
    decisions.push(...(await redecide(tx.subject(deferral.subjectId), deps, deferral)));
  }
  for (const review of after.reviews) {
    const expired = await expireHeld(tx.subject(review.subjectId), deps, review, now);
    if (expired !== undefined) decisions.push(expired);
  }
  return decisions;
}

/** Re-decides due deferrals, oldest first, in one transaction (group commit). */
async function redecideAll(store: Store, deps: RecorderDeps, due: readonly Deferral[]) {
  const subjects = [...new Set(due.map((deferral) => deferral.subjectId))];
  return store.withSubjects(subjects, async (tx) => {
    const decisions: DecisionSummary[] = [];
    for (const deferral of due) {
      const subjectTx = tx.subject(deferral.subjectId);
      decisions.push(...(await redecide(subjectTx, deps, deferral)));
    }
    return decisions;
  });
}

/**
 * Re-decides a deferral as of its own due instant. A deferred timer firing is decided again as
 * that firing, which the deferring decision recorded (read in the transaction: it may be its own).
 */
async function redecide(tx: SubjectTx, deps: RecorderDeps, deferral: Deferral) {
  await tx.completeDeferral(deferral.deferralId);
  const event = await tx.event(deferral.eventId);
  const node = findNode(deps, deferral.nodeId);
  if (event === undefined || node === undefined) return [];
  const firing =
    node.trigger.timer === undefined
      ? undefined
      : firingOf((await tx.decision(deferral.decisionId))?.decision.timer);
  return decideAndRecord(tx, deps, event, deferral.dueAt, node, firing);
}

/**
 * Expires a review in the caller's transaction; undefined when a person settled it between the
 * list and the lock (their verdict stands).
 */
async function expireHeld(tx: SubjectTx, deps: RecorderDeps, review: Review, now: Instant) {
  const stored = await tx.decision(review.decisionId);
  if (stored === undefined) throw new AppError("not_found", `no decision ${review.decisionId}`);
  try {
    await tx.settleReview(review.reviewId, "expired", review.expiresAt);
  } catch (error) {
    if (error instanceof StoreError && error.code === "review_not_pending") return undefined;
    throw error;
  }
  const outcome = concluded(stored.decision, "review_expired", review.expiresAt);
  return record(tx, deps, outcome, now);
}

async function expireReviews(
  store: Store,
  deps: RecorderDeps,
  now: Instant,
): Promise<DecisionSummary[]> {
  const pending = await store.reviews("pending", 10_000);
  const overdue = pending.filter((review) => review.expiresAt <= now);
  const expired: DecisionSummary[] = [];
  for (const review of overdue) {
    const outcome = await store.withSubject(review.subjectId, (tx) =>
      expireHeld(tx, deps, review, now),
    );
    if (outcome !== undefined) expired.push(outcome);
  }
  return expired;
}

/**
 * A person's verdict. Approval walks the pipeline again first: if consent was withdrawn or a
 * cap filled while the decision waited, that outcome stands; otherwise it acts.
 */
export async function settleReview(
  store: Store,
  deps: RecorderDeps,
  reviewId: string,
  verdict: "approved" | "rejected",
  now: Instant,
): Promise<Review> {
  const review = await store.getReview(reviewId);
  if (review === undefined) throw new AppError("not_found", `no review ${reviewId}`);
  if (review.status !== "pending") {
    throw new AppError("conflict", `review ${reviewId} is already ${review.status}`);
  }
  await store.withSubject(review.subjectId, (tx) =>
    applyVerdict(store, tx, deps, review, verdict, now),
  );
  return { ...review, status: verdict, settledAt: now };
}

async function applyVerdict(
  store: Store,
  tx: SubjectTx,
  deps: RecorderDeps,
  review: Review,
  verdict: "approved" | "rejected",
  now: Instant,
): Promise<void> {
  await tx.settleReview(review.reviewId, verdict, now);
  if (verdict === "rejected") {
    await record(tx, deps, concluded(await original(store, review), "review_rejected", now), now);
    return;
  }
  const event = await tx.event(review.eventId);
  const node = findNode(deps, review.nodeId);
  if (event === undefined || node === undefined) return;
  const firing = firingOf((await original(store, review)).timer);
  for (const decision of await decide(tx, deps, event, now, node, firing)) {
    const approved =
      decision.outcome === "review" ? concluded(decision, "review_approved", now) : decision;
    await record(tx, deps, approved, now);
  }
}

async function original(store: Store, review: Review): Promise<Decision> {
  const stored = await store.getDecision(review.decisionId);
  if (stored === undefined) throw new AppError("not_found", `no decision ${review.decisionId}`);
  return stored.decision;
}

/** The reviewed decision with a person's (or the clock's) verdict as its last step. */
function concluded(
  decision: Decision,
  reason: "review_approved" | "review_rejected" | "review_expired",
  at: Instant,
): Decision {
  const outcome = reason === "review_approved" ? "act" : "suppress";
  const step: ExplanationStep = {
    step: "review",
    verdict: reason === "review_approved" ? "pass" : "fail",
    reason,
    evidence: [],
    attributes: [],
    detail: REASONS[reason].meaning,
  };
  const steps = [...decision.steps.filter((s) => s.step !== "review"), step];
  return { ...decision, outcome, reason, decidedAt: at, steps, sentence: REASONS[reason].sentence };
}
