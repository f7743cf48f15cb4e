import type { CompiledNode, Policy } from "./node.ts";
import type { Cap } from "./types.ts";
import type { Candidate } from "./walk.ts";

/**
 * What a node needs on every decision, worked out once. Nodes and policies are immutable once
 * loaded, so memoising on their identity is safe; weak maps let unloaded playbooks be collected.
 */

export interface BundleField {
  readonly name: string;
  readonly namespace: string;
  readonly field: string;
  readonly timestamp: boolean;
}

/** How the node's bundle maps onto rule variables. */
export interface BundlePlan {
  readonly fields: readonly BundleField[];
  readonly namespaces: readonly string[];
  readonly optional: ReadonlySet<string>;
  /** Whether any rule reads `now` or `event`; the context leaves them out otherwise. */
  readonly readsNow: boolean;
  readonly readsEvent: boolean;
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
  const fields = node.bundle.map((attribute) => {
    const dot = attribute.name.indexOf(".");
    const namespace = attribute.name.slice(0, dot);
    const field = attribute.name.slice(dot + 1);
    return { name: attribute.name, namespace, field, timestamp: attribute.type === "timestamp" };
  });
  const namespaces = [...new Set(fields.map((field) => field.namespace))];
  const optional = new Set(node.bundle.filter((a) => a.optional).map((a) => a.name));
  const sources = [node.trigger.when, node.eligibility, node.review?.when].map((r) => r?.source);
  const reads = (name: RegExp) =>
    sources.some((source) => source !== undefined && name.test(source));
  return {
    fields,
    namespaces,
    optional,
    readsNow: reads(/\bnow\b/),
    readsEvent: reads(/\bevent\b/),
  };
}

function buildNodePlan(node: CompiledNode, policy: Policy): NodePlan {
  const candidates = node.actions.flatMap((spec) =>
    spec.channels.map((channel) => ({ spec, channel })),
  );
  const caps = [...node.caps, ...policy.caps].filter((cap) => !node.exemptFrom.includes(cap.id));
  return { candidates, caps };
}
