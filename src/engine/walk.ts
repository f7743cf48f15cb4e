import type { CompiledNode, Policy, Release, RuleContext } from "./node.ts";
import type { NodePlan } from "./prepared.ts";
import type {
  AssentEvent,
  Cap,
  Channel,
  ChosenAction,
  ConsentView,
  ExplanationStep,
  Instant,
  Outcome,
  Profile,
  ReasonCode,
  SendRecord,
  StepName,
  TimerFiring,
  Verdict,
} from "./types.ts";

/** Everything one decision reads. The engine performs no I/O: all of it is passed in. */
export interface DecisionInput {
  readonly event: AssentEvent;
  readonly profile: Profile;
  readonly consent: ConsentView;
  /** Sends already made to this subject (for caps). */
  readonly history: readonly SendRecord[];
  readonly release: Release;
  /** The decision instant. */
  readonly now: Instant;
  /** For a time-triggered node: the timer that came due (`event` is the one that set it). */
  readonly firing?: TimerFiring;
}

/** A candidate action on one channel, narrowed step by step. */
export interface Candidate {
  readonly spec: CompiledNode["actions"][number];
  readonly channel: Channel;
}

/** The state of one walk through the pipeline. Steps read it and add to it. */
export interface Walk {
  readonly node: CompiledNode;
  readonly input: DecisionInput;
  readonly policy: Policy;
  /** What the node needs under this policy, worked out once (see prepared.ts). */
  readonly plan: NodePlan;
  /** Policy and node caps this node is subject to (exemptions removed). */
  readonly caps: readonly Cap[];
  readonly steps: ExplanationStep[];
  context?: RuleContext;
  candidates: readonly Candidate[];
  arm?: string;
  inControl: boolean;
  action?: ChosenAction;
  modelScore?: number;
  modelConfidence?: number;
  deferUntil?: Instant;
}

/** What a step says when it stops the walk. */
export interface Stop {
  readonly outcome: Outcome;
  readonly reason: ReasonCode;
}

export interface StepRecord {
  readonly verdict: Verdict;
  readonly reason?: ReasonCode;
  readonly evidence?: readonly string[];
  readonly attributes?: readonly string[];
  readonly detail: string;
}

const NONE: readonly string[] = Object.freeze([]);

/** Adds a step to the explanation. */
export function record(walk: Walk, step: StepName, entry: StepRecord): void {
  walk.steps.push({
    step,
    verdict: entry.verdict,
    reason: entry.reason,
    evidence: distinct(entry.evidence),
    attributes: entry.attributes ?? NONE,
    detail: entry.detail,
  });
}

/**
 * Evidence ids once each, in the order first cited: a step that checks several channels cites
 * a shared cap or consent record once per channel.
 */
function distinct(evidence: readonly string[] | undefined): readonly string[] {
  if (evidence === undefined) return NONE;
  return evidence.length < 2 ? evidence : [...new Set(evidence)];
}

/** Records a failing step and returns the stop it causes. */
export function fail(walk: Walk, step: StepName, stop: Stop, entry: Omit<StepRecord, "verdict">) {
  walk.steps.push({
    step,
    verdict: "fail",
    reason: stop.reason,
    evidence: distinct(entry.evidence),
    attributes: entry.attributes ?? NONE,
    detail: entry.detail,
  });
  return stop;
}

export type { Release };
