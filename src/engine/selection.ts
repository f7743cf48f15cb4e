import { assignArm } from "../experiment/assignment.ts";
import { pace } from "../pacing/pace.ts";
import { isKnownZone } from "../pacing/zone-offset.ts";
import { evaluateRule } from "./gates.ts";
import { modelScore } from "./model-score.ts";
import type { ChosenAction } from "./types.ts";
import { type Candidate, fail, record, type Stop, type Walk } from "./walk.ts";

/**
 * The later steps of the pipeline (DESIGN.md steps 6–9): pacing, assignment, choice, review.
 */

/** The subject's zone from the bundle, else the deployment default (the explanation says so). */
export function subjectZone(walk: Walk): { zone: string; words: string } {
  const fallback = walk.policy.defaultTimezone;
  // The retrieval boundary holds here too: a zone outside the bundle is not read.
  if (!walk.plan.facts.readsTimezone) {
    return {
      zone: fallback,
      words: `subject.timezone is not in the bundle, used the default ${fallback}`,
    };
  }
  const value = walk.input.profile.get(TIMEZONE)?.value;
  if (typeof value !== "string" || value === "") {
    return { zone: fallback, words: `no time zone on file, used the default ${fallback}` };
  }
  if (!isKnownZone(value)) {
    return {
      zone: fallback,
      words: `time zone on file is not an IANA zone, used the default ${fallback}`,
    };
  }
  return { zone: value, words: `zone ${value}` };
}

const TIMEZONE = "subject.timezone";

/** 6. pacing: caps and quiet hours per candidate channel; all paced out gives defer. */
export function pacing(walk: Walk): Stop | undefined {
  const { zone, words: zoneWords } = subjectZone(walk);
  const open: Candidate[] = [];
  const evidence: string[] = [];
  let earliest: { at: number; reason: "cap_reached" | "quiet_hours"; detail: string } | undefined;
  for (const candidate of walk.candidates) {
    const result = pace({
      caps: walk.caps,
      history: walk.input.history,
      request: pacingRequest(walk, candidate),
      quietHours: walk.node.quietHours,
      zone,
    });
    evidence.push(...result.evidence);
    if (result.ok) open.push(candidate);
    else if (earliest === undefined || result.deferUntil < earliest.at) {
      earliest = { at: result.deferUntil, reason: result.reason, detail: result.detail };
    }
  }
  if (open.length > 0 || earliest === undefined) {
    walk.candidates = open;
    record(walk, "pacing", { verdict: "pass", evidence, detail: `within caps; ${zoneWords}` });
    return undefined;
  }
  return deferOrDrop(walk, earliest, evidence, `${earliest.detail}; ${zoneWords}`);
}

function pacingRequest(walk: Walk, candidate: Candidate) {
  const { node, input } = walk;
  return { at: input.now, channel: candidate.channel, nodeId: node.id, basis: node.basis };
}

function deferOrDrop(
  walk: Walk,
  earliest: { at: number; reason: "cap_reached" | "quiet_hours" },
  evidence: readonly string[],
  detail: string,
): Stop {
  const drop = earliest.reason === "quiet_hours" && walk.node.quietHours?.mode === "drop";
  if (!drop) walk.deferUntil = earliest.at;
  const outcome = drop ? "suppress" : "defer";
  walk.action = best(walk);
  return fail(walk, "pacing", { outcome, reason: earliest.reason }, { evidence, detail });
}

/** 7. assignment: the experiment arm by a stable hash; the control arm holds the action back. */
export function assignment(walk: Walk): void {
  const experiment = walk.node.experiment;
  if (experiment === undefined) {
    record(walk, "assignment", { verdict: "skip", detail: "no experiment on this node" });
    return;
  }
  const { arm, bucket } = assignArm(experiment, walk.input.event.subjectId);
  walk.arm = arm ?? undefined;
  walk.inControl = arm === experiment.control;
  const where = arm === null ? "outside the experiment's traffic share" : `arm ${arm}`;
  const detail = `${where} (salt ${experiment.salt}, bucket ${bucket.toFixed(6)})`;
  if (!walk.inControl) record(walk, "assignment", { verdict: "pass", detail });
  else record(walk, "assignment", { verdict: "fail", reason: "control_arm", detail });
}

/** 8. choice: the candidate with the highest priority × value × model score. */
export function choice(walk: Walk): void {
  walk.action = best(walk);
  const { action } = walk;
  if (action === undefined || walk.inControl) return;
  const model = walk.node.model === undefined ? "" : `, model ${walk.node.model.id}`;
  record(walk, "choice", {
    verdict: "pass",
    attributes: walk.plan.facts.modelAttributes,
    detail: `${action.kind} ${action.template} by ${action.channel} (value ${action.value}${model})`,
  });
}

function best(walk: Walk): ChosenAction | undefined {
  const score = modelScore(walk);
  let chosen: ChosenAction | undefined;
  for (const { spec, channel } of walk.candidates) {
    const weight = spec.priority * spec.value * (score ?? 1);
    if (chosen !== undefined && chosen.priority * chosen.value * (score ?? 1) >= weight) continue;
    const { kind, template, value, priority } = spec;
    chosen = { kind, template, channel, value, priority, score };
  }
  return chosen;
}

/** 9. review: value at stake, model confidence, sensitive data or the node's rule. */
export function review(walk: Walk): Stop | undefined {
  const spec = walk.node.review;
  const action = walk.action;
  if (spec === undefined || action === undefined) {
    record(walk, "review", { verdict: "pass", detail: "no review threshold on this node" });
    return undefined;
  }
  const why = reviewCauses(walk, spec);
  if (why.length === 0) {
    record(walk, "review", { verdict: "pass", detail: "below every review threshold" });
    return undefined;
  }
  const attributes = spec.when === undefined ? [] : spec.when.attributes;
  const detail = why.join("; ");
  return fail(
    walk,
    "review",
    { outcome: "review", reason: "review_threshold" },
    { attributes, detail },
  );
}

function reviewCauses(walk: Walk, spec: NonNullable<Walk["node"]["review"]>): string[] {
  const causes: string[] = [];
  const value = walk.action?.value ?? 0;
  if (spec.valueAbove !== undefined && value > spec.valueAbove) {
    causes.push(`value at stake ${value} is above ${spec.valueAbove}`);
  }
  const confidence = walk.modelConfidence;
  if (
    spec.confidenceBelow !== undefined &&
    confidence !== undefined &&
    confidence < spec.confidenceBelow
  ) {
    causes.push(`model confidence ${confidence.toFixed(3)} is below ${spec.confidenceBelow}`);
  }
  const sensitive = walk.plan.facts.sensitive.find((attribute) =>
    walk.input.profile.has(attribute.name),
  );
  if (sensitive !== undefined) causes.push(`reads ${sensitive.name} (${sensitive.sensitivity})`);
  if (spec.when !== undefined && evaluateRule(walk, spec.when)) {
    causes.push(`when ${spec.when.source}`);
  }
  return causes;
}
