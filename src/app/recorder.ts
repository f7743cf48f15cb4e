import type { Engine } from "../engine/engine.ts";
import type { CompiledNode, Release } from "../engine/node.ts";
import type { AssentEvent, Decision, Instant, TimerFact, TimerFiring } from "../engine/types.ts";
import { NO_TRACING, type SpanIds, type Tracing } from "../observability/tracing.ts";
import { listUnsubscribeHeaders, type UnsubscribeLinks } from "../outbox/list-unsubscribe.ts";
import type { SubjectTx } from "../store/store.ts";
import type { TimerIndex } from "../timers/timer-plan.ts";
import type { DecisionSummary } from "./assent-app.ts";

/** Where acted decisions go: one outbox entry per target, each recorded on its own. */
export interface DeliveryTarget {
  readonly connector: string;
  readonly recipient: string;
}

/** What the recorder needs besides the transaction. */
export interface RecorderDeps {
  readonly engines: readonly { readonly engine: Engine; readonly release: Release }[];
  readonly targets: readonly DeliveryTarget[];
  readonly reviewSlaMs: number;
  readonly newId: () => string;
  /** Spans for deciding, each decision, its steps and its record; none unless given. */
  readonly tracing?: Tracing;
  /** The deployment's time-triggered nodes (none when absent). */
  readonly timers?: TimerIndex;
  /** Unsubscribe links for marketing e-mail; without them no List-Unsubscribe is added. */
  readonly unsubscribe?: UnsubscribeLinks;
}

/** Sends further back than this never count against a cap (the longest window we allow). */
const HISTORY_MS = 366 * 24 * 3_600_000;

/**
 * Decides the event (every node it triggers, or one node) as of `now` and records each
 * decision, its send, outbox entries, deferral or review in the caller's transaction.
 */
export async function decideAndRecord(
  tx: SubjectTx,
  deps: RecorderDeps,
  event: AssentEvent,
  now: Instant,
  only?: CompiledNode,
  firing?: TimerFiring,
): Promise<DecisionSummary[]> {
  const tracing = deps.tracing ?? NO_TRACING;
  const decisions = tracing.enabled
    ? await tracing.inSpan("assent.decide", eventFields(event), () =>
        decide(tx, deps, event, now, only, firing),
      )
    : await decide(tx, deps, event, now, only, firing);
  const summaries: DecisionSummary[] = [];
  for (const decision of decisions) summaries.push(await record(tx, deps, decision, now));
  return summaries;
}

function eventFields(event: AssentEvent) {
  return { "assent.event_id": event.id, "assent.subject_id": event.subjectId };
}

/** What deciding reads from the store. */
export type DecisionReads = Pick<SubjectTx, "profile" | "consentView" | "sends">;

/**
 * Decides without recording anything (dry run, or before a review's outcome). With `firing`,
 * `only` is a time-triggered node whose timer came due, and `event` the one that set it.
 */
export async function decide(
  tx: DecisionReads,
  deps: RecorderDeps,
  event: AssentEvent,
  now: Instant,
  only?: CompiledNode,
  firing?: TimerFiring,
): Promise<Decision[]> {
  if (only === undefined && !triggersAnyNode(deps, event)) return [];
  const [profile, consent, history] = await Promise.all([
    tx.profile(),
    tx.consentView(),
    tx.sends(now - HISTORY_MS),
  ]);
  const decisions: Decision[] = [];
  for (const { engine, release } of deps.engines) {
    const input = { event, profile, consent, history, release, now, firing };
    if (only === undefined) decisions.push(...engine.decide(input));
    else if (engine.nodes.includes(only)) decisions.push(engine.decideNode(only, input));
  }
  return decisions;
}

/**
 * Whether any engine has a node that the event's type triggers. An engine decides only those
 * nodes, so without one its answer is empty whatever it reads: the reads are skipped.
 */
function triggersAnyNode(deps: RecorderDeps, event: AssentEvent): boolean {
  return deps.engines.some(({ engine }) =>
    engine.nodes.some((node) => node.trigger.event === event.type),
  );
}

/**
 * Records one decision and what follows from its outcome, in a span of its own whose ids go
 * into the decision log (so a person goes from the decision to its trace and back). The engine
 * is not traced inside (its hot path stays free of calls): each explanation step becomes a mark
 * under the decision's span, after the fact.
 */
export async function record(
  tx: SubjectTx,
  deps: RecorderDeps,
  decision: Decision,
  now: Instant,
): Promise<DecisionSummary> {
  const decisionId = deps.newId();
  const tracing = deps.tracing ?? NO_TRACING;
  return tracing.inSpan("assent.decision", decisionFields(decision, decisionId), (span) => {
    markSteps(tracing, decision);
    return recordTraced(tx, deps, decision, now, { decisionId, ids: span.ids });
  });
}

/** Span fields of a decision: ids and codes only. */
function decisionFields(decision: Decision, decisionId: string) {
  return {
    "assent.decision_id": decisionId,
    "assent.node_id": decision.nodeId,
    "assent.subject_id": decision.subjectId,
    "assent.event_id": decision.eventId,
    "assent.outcome": decision.outcome,
    "assent.reason": decision.reason,
  };
}

function markSteps(tracing: Tracing, decision: Decision): void {
  if (!tracing.enabled) return;
  for (const { step, verdict, reason } of decision.steps) {
    const fields = { "assent.step": step, "assent.verdict": verdict };
    tracing.mark(
      `assent.step.${step}`,
      reason === undefined ? fields : { ...fields, "assent.reason": reason },
    );
  }
}

async function recordTraced(
  tx: SubjectTx,
  deps: RecorderDeps,
  decision: Decision,
  now: Instant,
  { decisionId, ids }: { readonly decisionId: string; readonly ids: SpanIds | undefined },
): Promise<DecisionSummary> {
  const entry = { decisionId, ...ids, decision, recordedAt: now };
  const tracing = deps.tracing ?? NO_TRACING;
  await tracing.inSpan("assent.log.append", { "assent.decision_id": decisionId }, () =>
    tx.appendDecision(entry),
  );
  if (decision.outcome === "act") await act(tx, deps, decision, decisionId);
  if (decision.outcome === "defer") await defer(tx, deps, decision, decisionId);
  if (decision.outcome === "review") await openReview(tx, deps, decision, decisionId, now);
  const { nodeId, outcome, reason, deferUntil } = decision;
  const until = deferUntil === undefined ? undefined : new Date(deferUntil).toISOString();
  const summary = { decisionId, nodeId, outcome, reason, deferUntil: until };
  return decision.timer === undefined ? summary : { ...summary, timer: timerView(decision.timer) };
}

async function act(tx: SubjectTx, deps: RecorderDeps, decision: Decision, decisionId: string) {
  const { action } = decision;
  if (action === undefined) return;
  const send = { at: decision.decidedAt, channel: action.channel, nodeId: decision.nodeId };
  await tx.recordSend({ ...send, basis: decision.basis, decisionId });
  const idempotencyKey = `${decision.nodeId}:${decision.subjectId}:${decision.eventId}`;
  const payload = JSON.stringify({
    decisionId,
    nodeId: decision.nodeId,
    subjectId: decision.subjectId,
    eventId: decision.eventId,
    action: { kind: action.kind, template: action.template, channel: action.channel },
    reason: decision.reason,
    ...messageHeaders(deps, decision, action.channel),
  });
  const tracing = deps.tracing ?? NO_TRACING;
  for (const target of deps.targets) {
    const deliveryId = deps.newId();
    const fields = { "assent.delivery_id": deliveryId, "assent.connector": target.connector };
    await tracing.inSpan("assent.outbox.enqueue", fields, () =>
      tx.enqueueDelivery({
        deliveryId,
        idempotencyKey,
        decisionId,
        subjectId: decision.subjectId,
        connector: target.connector,
        recipient: target.recipient,
        payload,
        dueAt: decision.decidedAt,
      }),
    );
  }
}

async function defer(tx: SubjectTx, deps: RecorderDeps, decision: Decision, decisionId: string) {
  if (decision.deferUntil === undefined) return;
  await tx.scheduleDeferral({
    deferralId: deps.newId(),
    subjectId: decision.subjectId,
    nodeId: decision.nodeId,
    eventId: decision.eventId,
    dueAt: decision.deferUntil,
    decisionId,
  });
}

async function openReview(
  tx: SubjectTx,
  deps: RecorderDeps,
  decision: Decision,
  decisionId: string,
  now: Instant,
) {
  await tx.openReview({
    reviewId: deps.newId(),
    subjectId: decision.subjectId,
    decisionId,
    nodeId: decision.nodeId,
    eventId: decision.eventId,
    openedAt: now,
    expiresAt: now + (findNode(deps, decision.nodeId)?.review?.slaMs ?? deps.reviewSlaMs),
    status: "pending",
  });
}

function timerView({ timerId, dueAt, firedLateByMs }: TimerFact) {
  return { timerId, dueAt: new Date(dueAt).toISOString(), firedLateByMs };
}

/**
 * A marketing e-mail carries `List-Unsubscribe` and `List-Unsubscribe-Post` in its payload, for
 * the sending system to place under its DKIM signature (RFC 8058); other actions carry none.
 */
function messageHeaders(deps: RecorderDeps, decision: Decision, channel: string) {
  if (channel !== "email" || deps.unsubscribe === undefined) return {};
  if (findNode(deps, decision.nodeId)?.purpose.kind !== "marketing") return {};
  return { messageHeaders: listUnsubscribeHeaders(deps.unsubscribe, decision.subjectId) };
}

/** The node with this id in any loaded playbook. */
export function findNode(deps: RecorderDeps, nodeId: string): CompiledNode | undefined {
  for (const { engine } of deps.engines) {
    const node = engine.nodes.find((candidate) => candidate.id === nodeId);
    if (node !== undefined) return node;
  }
  return undefined;
}
