import type { BundleAttribute, CompiledNode, LogisticModel, Policy, ScoringModel } from "./node.ts";
import type { Cap } from "./types.ts";
import type { Candidate } from "./walk.ts";

/**
 * What a node needs on every decision, worked out once. Nodes and policies are immutable once
 * loaded, so memoising on their identity is safe; weak maps let unloaded playbooks be collected.
 * The engine looks the plan up once per decision and passes it down the walk, so that no step
 * repeats a lookup or rebuilds text that depends only on the node.
 */

export interface BundleField {
  /** The bundle entry itself, for its freshness SLA and whether it is optional. */
  readonly attribute: BundleAttribute;
  readonly name: string;
  /** Index into the plan's namespaces. */
  readonly group: number;
  readonly field: string;
  readonly timestamp: boolean;
  readonly optional: boolean;
}

/** How (part of) the bundle maps onto rule variables. */
export interface ContextPlan {
  readonly fields: readonly BundleField[];
  readonly namespaces: readonly string[];
  /** Whether a rule reads `now` or `event`; the context leaves them out otherwise. */
  readonly readsNow: boolean;
  readonly readsEvent: boolean;
}

export interface BundlePlan {
  readonly names: readonly string[];
  readonly inBundle: ReadonlySet<string>;
  /** Every bundle attribute: for eligibility and review rules. */
  readonly full: ContextPlan;
  /** Only what the trigger condition reads, so that most non-matching events stay cheap. */
  readonly trigger: ContextPlan;
}

/** Explanation text and facts that depend on the node alone. */
export interface NodeFacts {
  /** `when <trigger source>`, the trigger step's detail. */
  readonly triggerDetail: string;
  /** Whether the bundle holds `subject.timezone` (the retrieval boundary for pacing). */
  readonly readsTimezone: boolean;
  /** The node's model with only the coefficients its bundle lets it read. */
  readonly model?: ScoringModel;
  /** `id@version` of the node's model, for the decision's versions. */
  readonly modelVersion?: string;
  /** The attributes the model reads (both arms' models), for the choice step. */
  readonly modelAttributes: readonly string[];
  /** The attributes the eligibility step reads: its rule's and, with a cut-off, the model's. */
  readonly eligibilityAttributes: readonly string[];
  /** Bundle attributes whose sensitivity tag needs review when present. */
  readonly sensitive: readonly BundleAttribute[];
}

/** The node's candidates and caps under one policy. */
export interface NodePlan {
  readonly bundle: BundlePlan;
  readonly facts: NodeFacts;
  readonly candidates: readonly Candidate[];
  /** The first bundle attribute that may not be processed in the policy's region, if any. */
  readonly foreign?: BundleAttribute;
  /** The candidates on the node's allow lists, and of those the ones no deny list names. */
  readonly allowed: readonly Candidate[];
  readonly undenied: readonly Candidate[];
  /** The scope step's detail when every undenied candidate is still in the walk. */
  readonly undeniedWords: string;
  /** The node's caps and the policy's, less those the node is exempt from. */
  readonly caps: readonly Cap[];
}

/** Everything memoised for one node: its policy-free plan and its plan per policy. */
interface NodeMemo {
  readonly bundle: BundlePlan;
  readonly facts: NodeFacts;
  readonly byPolicy: WeakMap<Policy, NodePlan>;
  /** The plan of the last policy asked for: one deployment decides under one policy. */
  last?: NodePlan;
  lastPolicy?: Policy;
}

const NONE: readonly string[] = Object.freeze([]);
const memos = new WeakMap<CompiledNode, NodeMemo>();

export function bundlePlan(node: CompiledNode): BundlePlan {
  return memoOf(node).bundle;
}

export function nodePlan(node: CompiledNode, policy: Policy): NodePlan {
  const memo = memoOf(node);
  if (memo.lastPolicy === policy && memo.last !== undefined) return memo.last;
  let plan = memo.byPolicy.get(policy);
  if (plan === undefined) {
    plan = buildNodePlan(node, memo, policy);
    memo.byPolicy.set(policy, plan);
  }
  memo.last = plan;
  memo.lastPolicy = policy;
  return plan;
}

function memoOf(node: CompiledNode): NodeMemo {
  let memo = memos.get(node);
  if (memo === undefined) {
    memo = { bundle: buildBundlePlan(node), facts: nodeFacts(node), byPolicy: new WeakMap() };
    memos.set(node, memo);
  }
  return memo;
}

function buildBundlePlan(node: CompiledNode): BundlePlan {
  const when = node.trigger.when;
  const triggerReads = new Set(when?.attributes ?? []);
  const sources = [when, node.eligibility, node.review?.when].map((rule) => rule?.source);
  return {
    names: node.bundle.map((attribute) => attribute.name),
    inBundle: new Set(node.bundle.map((attribute) => attribute.name)),
    full: contextPlan(node.bundle, sources),
    trigger: contextPlan(
      node.bundle.filter((attribute) => triggerReads.has(attribute.name)),
      [when?.source],
    ),
  };
}

function contextPlan(
  bundle: readonly BundleAttribute[],
  sources: readonly (string | undefined)[],
): ContextPlan {
  const namespaces = [...new Set(bundle.map((attribute) => namespaceOf(attribute.name)))];
  const fields = bundle.map((attribute) => ({
    attribute,
    name: attribute.name,
    group: namespaces.indexOf(namespaceOf(attribute.name)),
    field: attribute.name.slice(attribute.name.indexOf(".") + 1),
    timestamp: attribute.type === "timestamp",
    optional: attribute.optional,
  }));
  const reads = (name: RegExp) =>
    sources.some((source) => source !== undefined && name.test(source));
  return { fields, namespaces, readsNow: reads(/\bnow\b/), readsEvent: reads(/\bevent\b/) };
}

function namespaceOf(name: string): string {
  return name.slice(0, name.indexOf("."));
}

function nodeFacts(node: CompiledNode): NodeFacts {
  const { review } = node;
  const model = node.model === undefined ? undefined : boundedModel(node.model, node.bundle);
  const sensitive = review?.sensitive ?? NONE;
  return {
    triggerDetail: `when ${node.trigger.when?.source}`,
    readsTimezone: node.bundle.some((attribute) => attribute.name === "subject.timezone"),
    model,
    modelVersion: model === undefined ? undefined : `${model.id}@${model.version}`,
    modelAttributes: model === undefined ? NONE : modelReads(model),
    eligibilityAttributes: eligibilityAttributes(node, model),
    sensitive: node.bundle.filter((attribute) => sensitive.includes(attribute.sensitivity)),
  };
}

/**
 * The model as the retrieval boundary allows: a coefficient on an attribute outside the bundle
 * reads nothing, so it is left out. Loaded playbooks never have one (the loader refuses it);
 * nodes built in code might.
 */
function boundedModel(model: ScoringModel, bundle: readonly BundleAttribute[]): ScoringModel {
  const names = new Set(bundle.map((attribute) => attribute.name));
  const inside = (logistic: LogisticModel): LogisticModel => {
    const entries = Object.entries(logistic.coefficients);
    const kept = entries.filter(([key]) => names.has(key.split("=")[0] ?? key));
    if (kept.length === entries.length) return logistic;
    return { intercept: logistic.intercept, coefficients: Object.fromEntries(kept) };
  };
  const treated = inside(model.treated);
  const control = model.control === undefined ? undefined : inside(model.control);
  if (treated === model.treated && control === model.control) return model;
  return { ...model, treated, ...(control === undefined ? {} : { control }) };
}

/** The attributes a model reads: one per coefficient's attribute (`a=value` reads `a`), sorted. */
function modelReads(model: ScoringModel): readonly string[] {
  const names = new Set<string>();
  for (const logistic of [model.treated, model.control]) {
    for (const key of Object.keys(logistic?.coefficients ?? {}))
      names.add(key.split("=")[0] ?? key);
  }
  return Object.freeze([...names].sort());
}

/** What the eligibility step reads: its rule's attributes and, with a cut-off, the model's. */
function eligibilityAttributes(node: CompiledNode, model?: ScoringModel): readonly string[] {
  const rule = node.eligibility?.attributes ?? NONE;
  if (model?.minScore === undefined) return Object.freeze([...rule].sort());
  return Object.freeze([...new Set([...rule, ...modelReads(model)])].sort());
}

function buildNodePlan(node: CompiledNode, memo: NodeMemo, policy: Policy): NodePlan {
  const candidates = node.actions.flatMap((spec) =>
    spec.channels.map((channel) => ({ spec, channel })),
  );
  const allowed = candidates.filter((candidate) => inScope(node, candidate));
  const { deny } = policy;
  const undenied = allowed.filter(
    (candidate) =>
      !deny.actions.includes(candidate.spec.kind) &&
      !deny.channels.includes(candidate.channel) &&
      !deny.templates.includes(candidate.spec.template),
  );
  const caps = [...node.caps, ...policy.caps].filter((cap) => !node.exemptFrom.includes(cap.id));
  const foreign = node.bundle.find((attribute) => !residesIn(attribute, policy.region));
  const { bundle, facts } = memo;
  const undeniedWords = candidateWords(undenied);
  return { bundle, facts, candidates, foreign, allowed, undenied, undeniedWords, caps };
}

/** `message offer-v1 by email, ...`: the candidates as the scope step names them. */
export function candidateWords(candidates: readonly Candidate[]): string {
  return candidates
    .map((candidate) => `${candidate.spec.kind} ${candidate.spec.template} by ${candidate.channel}`)
    .join(", ");
}

function inScope(node: CompiledNode, candidate: Candidate): boolean {
  return (
    node.channels.includes(candidate.channel) && candidate.spec.channels.includes(candidate.channel)
  );
}

function residesIn(attribute: BundleAttribute, region: string): boolean {
  return attribute.residency === "global" || attribute.residency === region;
}
