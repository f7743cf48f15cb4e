import { eligibility, freshness, permission, scope, trigger } from "./gates.ts";
import type { CompiledNode, Policy } from "./node.ts";
import { nodePlan } from "./prepared.ts";
import { REASONS } from "./reasons.ts";
import { assignment, choice, pacing, review } from "./selection.ts";
import { type Decision, STEP_NAMES, type TimerFact, type TimerFiring } from "./types.ts";
import { type DecisionInput, fail, type Stop, type Walk } from "./walk.ts";

export type { DecisionInput };

/** The gates in DESIGN.md order; each either passes or stops the walk with its reason. */
const GATES = [trigger, freshness, eligibility, permission, scope, pacing] as const;

/**
 * Decides one node for one event. Pure: no I/O, no clock. Never throws for an expected outcome;
 * an internal fault yields `suppress` with reason `error` (fail closed).
 *
 * @example
 * const decision = decideNode(node, policy, { event, profile, consent, history, release, now });
 * if (decision.outcome === "act") outbox.push(decision.action);
 */
export function decideNode(node: CompiledNode, policy: Policy, input: DecisionInput): Decision {
  const walk = startWalk(node, policy, input);
  try {
    return conclude(walk, walkPipeline(walk));
  } catch (fault) {
    return failClosed(walk, fault);
  }
}

function walkPipeline(walk: Walk): Stop {
  for (const gate of GATES) {
    const stop = gate(walk);
    if (stop !== undefined) return stop;
  }
  assignment(walk);
  choice(walk);
  if (walk.inControl) return { outcome: "holdout", reason: "control_arm" };
  return review(walk) ?? { outcome: "act", reason: "eligible" };
}

function startWalk(node: CompiledNode, policy: Policy, input: DecisionInput): Walk {
  const plan = nodePlan(node, policy);
  const { candidates, caps } = plan;
  // Every field from the start, so that all walks share one object shape.
  return {
    node,
    input,
    policy,
    plan,
    caps,
    steps: [],
    context: undefined,
    candidates,
    arm: undefined,
    inControl: false,
    action: undefined,
    modelScore: undefined,
    modelConfidence: undefined,
    deferUntil: undefined,
  };
}

function conclude(walk: Walk, stop: Stop): Decision {
  const { node, input } = walk;
  return {
    nodeId: node.id,
    playbook: node.playbook,
    subjectId: input.event.subjectId,
    eventId: input.event.id,
    decidedAt: input.now,
    outcome: stop.outcome,
    reason: stop.reason,
    action: walk.action,
    deferUntil: stop.outcome === "defer" ? walk.deferUntil : undefined,
    arm: walk.arm,
    purpose: node.purpose.id,
    basis: node.basis,
    steps: walk.steps,
    sentence: REASONS[stop.reason].sentence,
    versions: versionsOf(walk),
    // Always present (undefined on event decisions), so that every decision has one shape.
    timer: input.firing === undefined ? undefined : timerFact(input.firing),
  };
}

function timerFact(firing: TimerFiring): TimerFact {
  const { timerId, dueAt, firedAt, why } = firing;
  return { timerId, dueAt, firedLateByMs: Math.max(0, firedAt - dueAt), why };
}

function versionsOf(walk: Walk): Decision["versions"] {
  const { node, input, plan } = walk;
  return {
    release: input.release.id,
    playbook: node.playbookVersion,
    model: plan.facts.modelVersion,
  };
}

/** Every step records itself before the next runs, so the faulted step is the next in order. */
function failClosed(walk: Walk, fault: unknown): Decision {
  walk.action = undefined;
  const errorCode = faultCode(fault);
  const step = STEP_NAMES[walk.steps.length] ?? "review";
  const stop: Stop = { outcome: "suppress", reason: "error" };
  fail(walk, step, stop, { detail: `internal fault ${errorCode}; failed closed` });
  return { ...conclude(walk, stop), errorCode };
}

/** A stable code for a fault: its class name. Never its message (it may hold data). */
function faultCode(fault: unknown): string {
  return fault instanceof Error ? `internal.${fault.name}` : "internal.unknown";
}

/** Nodes indexed by the event type that triggers them, with the policy they decide under. */
export interface Engine {
  readonly policy: Policy;
  readonly nodes: readonly CompiledNode[];
  /** Decides every node the event's type triggers, in declared order. */
  decide(input: DecisionInput): Decision[];
  /** Decides one node (a deferred decision coming due, a dry run). */
  decideNode(node: CompiledNode, input: DecisionInput): Decision;
}

/**
 * @example
 * const engine = createEngine(deployment.playbooks.flatMap((p) => p.nodes), deployment.policy);
 * for (const decision of engine.decide(input)) console.log(decision.outcome, decision.reason);
 */
export function createEngine(nodes: readonly CompiledNode[], policy: Policy): Engine {
  const byEvent = new Map<string, CompiledNode[]>();
  for (const node of nodes) {
    // Time-triggered nodes wake only when their timer fires (decideNode with a firing).
    const type = node.trigger.event;
    if (type === undefined) continue;
    const list = byEvent.get(type) ?? [];
    list.push(node);
    byEvent.set(type, list);
  }
  return {
    policy,
    nodes,
    decideNode: (node, input) => decideNode(node, policy, input),
    decide: (input) =>
      (byEvent.get(input.event.type) ?? []).map((node) => decideNode(node, policy, input)),
  };
}
