import { checkPermission } from "../consent/permission.ts";
import { missingRequired, planContext, ruleContext } from "./context.ts";
import { isoInstant } from "./instant-format.ts";
import { modelScore } from "./model-score.ts";
import type { BundleAttribute, CompiledRule, RuleContext } from "./node.ts";
import { type BundleField, candidateWords } from "./prepared.ts";
import type { AttributeState, Channel } from "./types.ts";
import { type Candidate, fail, record, type Stop, type Walk } from "./walk.ts";

/**
 * The gates of the pipeline (DESIGN.md, "The decision pipeline", steps 1–5). Each returns a
 * Stop when it fails, after recording itself in the explanation, or undefined to go on.
 */

const NO_TRIGGER_MATCH: Stop = { outcome: "abstain", reason: "no_trigger_match" };
const NOT_ELIGIBLE: Stop = { outcome: "suppress", reason: "not_eligible" };

/** 1. trigger: the release and node are live and the event meets the trigger condition. */
export function trigger(walk: Walk): Stop | undefined {
  const { node, input } = walk;
  // An erased subject's tombstone blocks everything, at once and for good (GDPR Art. 17).
  const erasedAt = input.consent.erasedAt;
  if (erasedAt !== undefined) {
    const detail = `the subject's data was erased at ${isoInstant(erasedAt)} (GDPR Art. 17)`;
    return fail(walk, "trigger", { outcome: "suppress", reason: "subject_erased" }, { detail });
  }
  if (input.release.state === "killed") {
    return fail(
      walk,
      "trigger",
      { outcome: "suppress", reason: "killed" },
      {
        detail: `release ${input.release.id} is killed`,
      },
    );
  }
  if (input.release.disabledNodes.includes(node.id)) {
    return fail(
      walk,
      "trigger",
      { outcome: "abstain", reason: "node_disabled" },
      {
        detail: `node ${node.id} is disabled in release ${input.release.id}`,
      },
    );
  }
  return triggerCondition(walk);
}

function triggerCondition(walk: Walk): Stop | undefined {
  const { node, input } = walk;
  if (node.trigger.timer !== undefined || input.firing !== undefined) return timerTrigger(walk);
  const rule = node.trigger.when;
  const evidence = [input.event.id];
  if (rule === undefined) {
    record(walk, "trigger", { verdict: "pass", evidence, detail: `event ${input.event.type}` });
    return undefined;
  }
  return whenCondition(walk, evidence, walk.plan.facts.triggerDetail);
}

/**
 * A time-triggered node decides only when its timer fires, and an event-triggered node never on
 * a timer. The step names the timer, when it was due and how late it fired.
 */
function timerTrigger(walk: Walk): Stop | undefined {
  const { node, input } = walk;
  const { firing } = input;
  if (firing === undefined || node.trigger.timer === undefined) {
    const detail =
      firing === undefined
        ? `node ${node.id} decides only when its timer fires`
        : `node ${node.id} is triggered by an event, not by a timer`;
    return fail(walk, "trigger", NO_TRIGGER_MATCH, { evidence: [input.event.id], detail });
  }
  const evidence = [input.event.id, firing.timerId];
  const late = firing.firedAt - firing.dueAt;
  const lateness = late > 0 ? `fired ${lateWords(late)} late` : "fired on time";
  const fired = `timer ${firing.why}, due ${isoInstant(firing.dueAt)}, ${lateness}`;
  const rule = node.trigger.when;
  if (rule === undefined) {
    record(walk, "trigger", { verdict: "pass", evidence, detail: fired });
    return undefined;
  }
  return whenCondition(walk, evidence, `${fired}; when ${rule.source}`);
}

function lateWords(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const seconds = ms / 1_000;
  return seconds < 120 ? `${seconds.toFixed(1)} s` : ageWords(ms);
}

/** The trigger's `when` rule over the attributes it reads. */
function whenCondition(walk: Walk, evidence: readonly string[], detail: string): Stop | undefined {
  const { node, input } = walk;
  const rule = node.trigger.when;
  if (rule === undefined) return undefined;
  const plan = walk.plan.bundle.trigger;
  if (missingRequired(plan, input.profile) !== undefined) {
    return missingTriggerAttribute(walk, evidence);
  }
  const matched =
    rule.evaluateFor?.(input.profile, triggerContext, walk) ?? rule.evaluate(triggerContext(walk));
  const { attributes } = rule;
  if (!matched) return fail(walk, "trigger", NO_TRIGGER_MATCH, { evidence, attributes, detail });
  record(walk, "trigger", { verdict: "pass", evidence, attributes, detail });
  return undefined;
}

/** The context of the trigger's reads alone (every required one is present). */
function triggerContext(walk: Walk): RuleContext {
  const { input, plan } = walk;
  return planContext(plan.bundle.trigger, input.profile, input.event, input.now, false) ?? {};
}

function missingTriggerAttribute(walk: Walk, evidence: readonly string[]): Stop {
  // planContext gave up on this attribute, so there is one.
  const missing = missingRequired(walk.plan.bundle.trigger, walk.input.profile) ?? "";
  return fail(
    walk,
    "trigger",
    { outcome: "abstain", reason: "missing_attribute" },
    {
      evidence,
      attributes: [missing],
      detail: `the trigger condition reads ${missing}, which the profile lacks`,
    },
  );
}

/** The full rule context (every bundle attribute), built on first use. */
export function contextOf(walk: Walk): RuleContext {
  const { node, input, plan } = walk;
  walk.context ??= ruleContext(node, input.profile, input.event, input.now, plan.bundle.full);
  return walk.context;
}

/**
 * 2. freshness: every required bundle attribute is present and within its SLA. The rule
 * context is built later, and only if a rule has to run (see {@link evaluateRule}).
 */
export function freshness(walk: Walk): Stop | undefined {
  const { input, plan } = walk;
  const { fields } = plan.bundle.full;
  for (let index = 0; index < fields.length; index++) {
    const { attribute, name } = fields[index] as BundleField;
    const state = input.profile.get(name);
    if (state === undefined) {
      if (attribute.optional) continue;
      return missingAttribute(walk, attribute);
    }
    if (input.now - state.updatedAt > attribute.freshnessMs) {
      return staleAttribute(walk, attribute, state);
    }
  }
  record(walk, "freshness", { verdict: "pass", attributes: plan.bundle.names, detail: FRESH });
  return undefined;
}

/**
 * A rule over the full bundle context: from the subject's values alone when the rule can answer
 * from them, else over the context (built once per walk).
 */
export function evaluateRule(walk: Walk, rule: CompiledRule): boolean {
  if (rule.evaluateFor === undefined) return rule.evaluate(contextOf(walk));
  return rule.evaluateFor(walk.input.profile, contextOf, walk);
}

const FRESH = "bundle is fresh";

function missingAttribute(walk: Walk, attribute: BundleAttribute): Stop {
  return fail(
    walk,
    "freshness",
    { outcome: "abstain", reason: "missing_attribute" },
    {
      attributes: [attribute.name],
      detail: `${attribute.name} is not in the profile`,
    },
  );
}

function staleAttribute(walk: Walk, attribute: BundleAttribute, state: AttributeState): Stop {
  const age = walk.input.now - state.updatedAt;
  return fail(
    walk,
    "freshness",
    { outcome: "abstain", reason: "stale_attribute" },
    {
      evidence: state.eventId === undefined ? [] : [state.eventId],
      attributes: [attribute.name],
      detail: `${attribute.name} was set ${ageWords(age)} ago, past its SLA`,
    },
  );
}

function ageWords(ms: number): string {
  const hours = ms / 3_600_000;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`;
}

/** 3. eligibility: the node's CEL rule over the bundle, then its model's cut-off if it has one. */
export function eligibility(walk: Walk): Stop | undefined {
  const rule = walk.node.eligibility;
  const cutOff = walk.node.model?.minScore;
  if (rule === undefined && cutOff === undefined) {
    record(walk, "eligibility", { verdict: "pass", detail: "no eligibility rule" });
    return undefined;
  }
  if (rule !== undefined && !evaluateRule(walk, rule)) {
    const { attributes, source: detail } = rule;
    return fail(walk, "eligibility", NOT_ELIGIBLE, { attributes, detail });
  }
  if (cutOff === undefined) {
    const { attributes = NONE, source: detail = "" } = rule ?? {};
    record(walk, "eligibility", { verdict: "pass", attributes, detail });
    return undefined;
  }
  return modelCutOff(walk, cutOff);
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The score to four decimals, or to as many more as it takes for the printed score to compare
 * with the cut-off as the score does (0.499975 against 0.5 reads 0.49998, not 0.5000).
 */
function scoreWords(score: number, cutOff: number): string {
  // Four decimals are off by at most 0.00005, so a score this far from the cut-off reads true.
  if (Math.abs(score - cutOff) >= 1e-4) return score.toFixed(4);
  for (let digits = 4; digits <= 17; digits++) {
    const text = score.toFixed(digits);
    if (Number(text) >= cutOff === score >= cutOff) return text;
  }
  return String(score);
}

/** Targeting by the model: eligible at or above the cut-off (the score is kept for choice). */
function modelCutOff(walk: Walk, cutOff: number): Stop | undefined {
  const { plan, node } = walk;
  const score = modelScore(walk) ?? Number.NaN;
  const rule = node.eligibility === undefined ? "" : `${node.eligibility.source}; `;
  const attributes = plan.facts.eligibilityAttributes;
  const compared = score >= cutOff ? "at or above" : "below";
  const scores = `model ${plan.facts.modelVersion} scores ${scoreWords(score, cutOff)}`;
  const detail = `${rule}${scores}, ${compared} its cut-off ${cutOff}`;
  if (score >= cutOff) {
    record(walk, "eligibility", { verdict: "pass", attributes, detail });
    return undefined;
  }
  return fail(walk, "eligibility", NOT_ELIGIBLE, { attributes, detail });
}

/** 4. permission: residency, then lawful basis per channel as of the decision instant. */
export function permission(walk: Walk): Stop | undefined {
  const { foreign } = walk.plan;
  if (foreign !== undefined) {
    return fail(
      walk,
      "permission",
      { outcome: "suppress", reason: "residency" },
      {
        attributes: [foreign.name],
        detail: `${foreign.name} resides in ${foreign.residency}; this deployment decides in ${walk.policy.region}`,
      },
    );
  }
  return lawfulBasis(walk);
}

function lawfulBasis(walk: Walk): Stop | undefined {
  const { node, input } = walk;
  const permitted: Channel[] = [];
  let evidence: readonly string[] = [];
  let detail = `basis ${node.basis} for ${node.purpose.id}`;
  let firstFailure: Stop | undefined;
  for (const channel of node.channels) {
    const request = { purpose: node.purpose, basis: node.basis, channel, at: input.now };
    const result = checkPermission(input.consent, request);
    evidence = evidence.length === 0 ? result.evidence : [...evidence, ...result.evidence];
    detail += `; ${channel}: ${result.detail}`;
    if (result.ok) permitted.push(channel);
    else firstFailure ??= { outcome: "suppress", reason: result.reason };
  }
  if (permitted.length < node.channels.length) {
    walk.candidates = walk.candidates.filter((candidate) => permitted.includes(candidate.channel));
  }
  if (walk.candidates.length === 0) {
    const stop = firstFailure ?? { outcome: "suppress", reason: "no_lawful_basis" };
    return fail(walk, "permission", stop, { evidence, detail });
  }
  record(walk, "permission", { verdict: "pass", evidence, detail });
  return undefined;
}

/** 5. scope: each candidate is on the node's allow lists and on no global deny list. */
export function scope(walk: Walk): Stop | undefined {
  const { plan } = walk;
  const allowed = within(walk.candidates, plan.allowed, plan.candidates);
  if (allowed.length === 0) {
    return fail(
      walk,
      "scope",
      { outcome: "suppress", reason: "out_of_scope" },
      {
        detail: "no candidate action is on the node's allow list",
      },
    );
  }
  walk.candidates = within(allowed, plan.undenied, plan.allowed);
  if (walk.candidates.length === 0) {
    return fail(
      walk,
      "scope",
      { outcome: "suppress", reason: "denied" },
      {
        detail: "every candidate action is on a global deny list",
      },
    );
  }
  const words =
    walk.candidates === plan.undenied ? plan.undeniedWords : candidateWords(walk.candidates);
  record(walk, "scope", { verdict: "pass", detail: words });
  return undefined;
}

/**
 * The candidates that are also in `subset` (a precomputed filter of `all`), in order. When no
 * earlier step narrowed the walk it still holds `all` itself, and the answer is `subset`.
 */
function within(
  candidates: readonly Candidate[],
  subset: readonly Candidate[],
  all: readonly Candidate[],
): readonly Candidate[] {
  if (candidates === all) return subset;
  return candidates.filter((candidate) => subset.includes(candidate));
}
