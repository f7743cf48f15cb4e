import type { CompiledNode, RuleContext } from "./node.ts";
import { bundlePlan, type ContextPlan } from "./prepared.ts";
import type { AssentEvent, AttributeValue, Instant, Profile } from "./types.ts";

/**
 * The retrieval boundary: the rule context holds the node's bundle attributes and nothing
 * else, grouped by namespace (`claim.amount` → `claim: { amount }`), plus the event and `now`.
 * With `plan` given, only that part of the bundle (the trigger's reads) is built.
 */
export function ruleContext(
  node: CompiledNode,
  profile: Profile,
  event: AssentEvent,
  now: Instant,
  plan: ContextPlan = bundlePlan(node).full,
): RuleContext {
  const context: Record<string, unknown> = {};
  if (plan.readsEvent) context.event = { type: event.type, data: event.data };
  if (plan.readsNow) context.now = new Date(now);
  const groups = plan.namespaces.map(() => ({}) as Record<string, unknown>);
  for (const { name, group, field, timestamp } of plan.fields) {
    const state = profile.get(name);
    const target = groups[group];
    if (state === undefined || target === undefined) continue;
    target[field] = timestamp ? toDate(state.value) : state.value;
  }
  plan.namespaces.forEach((namespace, index) => {
    context[namespace] = groups[index];
  });
  return context;
}

/** The first attribute of `plan` that is required and absent from the profile. */
export function missingRequired(plan: ContextPlan, profile: Profile): string | undefined {
  for (const { name, optional } of plan.fields) {
    if (!optional && !profile.has(name)) return name;
  }
  return undefined;
}

function toDate(value: AttributeValue): Date {
  return new Date(typeof value === "number" ? value : String(value));
}

/** Reads bundle attribute values by name for model features; outside the bundle reads nothing. */
export function bundleReader(node: CompiledNode, profile: Profile) {
  const { inBundle } = bundlePlan(node);
  return (name: string): AttributeValue | undefined =>
    inBundle.has(name) ? profile.get(name)?.value : undefined;
}
