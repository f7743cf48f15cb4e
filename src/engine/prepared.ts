import type { BundleAttribute, CompiledNode, Policy } from "./node.ts";
import type { Cap } from "./types.ts";
import type { Candidate } from "./walk.ts";

/**
 * What a node needs on every decision, worked out once. Nodes and policies are immutable once
 * loaded, so memoising on their identity is safe; weak maps let unloaded playbooks be collected.
 */

export interface BundleField {
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

/** The node's candidates and caps under one policy. */
export interface NodePlan {
  readonly candidates: readonly Candidate[];
  /** The node's caps and the policy's, less those the node is exempt from. */
  readonly caps: readonly Cap[];
}

const bundlePlans = new WeakMap<CompiledNode, BundlePlan>();
const nodePlans = new WeakMap<CompiledNode, WeakMap<Policy, NodePlan>>();

export function bundlePlan(node: CompiledNode): BundlePlan {
  let plan = bundlePlans.get(node);
  if (plan === undefined) {
    plan = buildBundlePlan(node);
    bundlePlans.set(node, plan);
  }
  return plan;
}

export function nodePlan(node: CompiledNode, policy: Policy): NodePlan {
  let byPolicy = nodePlans.get(node);
  if (byPolicy === undefined) {
    byPolicy = new WeakMap();
    nodePlans.set(node, byPolicy);
  }
  let plan = byPolicy.get(policy);
  if (plan === undefined) {
    plan = buildNodePlan(node, policy);
    byPolicy.set(policy, plan);
  }
  return plan;
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

function buildNodePlan(node: CompiledNode, policy: Policy): NodePlan {
  const candidates = node.actions.flatMap((spec) =>
    spec.channels.map((channel) => ({ spec, channel })),
  );
  const caps = [...node.caps, ...policy.caps].filter((cap) => !node.exemptFrom.includes(cap.id));
  return { candidates, caps };
}
