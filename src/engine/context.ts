import type { CompiledNode, RuleContext } from "./node.ts";
import { bundlePlan } from "./prepared.ts";
import type { AssentEvent, AttributeValue, Instant, Profile } from "./types.ts";

/**
 * The retrieval boundary: the rule context holds the node's bundle attributes and nothing
 * else, grouped by namespace (`claim.amount` → `claim: { amount }`), plus the event and `now`.
 */
export function ruleContext(
  node: CompiledNode,
  profile: Profile,
  event: AssentEvent,
  now: Instant,
): RuleContext {
  const plan = bundlePlan(node);
  const context: Record<string, unknown> = {};
  if (plan.readsEvent) context.event = { type: event.type, data: event.data };
  if (plan.readsNow) context.now = new Date(now);
  for (const namespace of plan.namespaces) context[namespace] = {};
  for (const { name, namespace, field, timestamp } of plan.fields) {
    const state = profile[name];
    const group = context[namespace];
    if (state === undefined || !isRecord(group)) continue;
    group[field] = timestamp ? toDate(state.value) : state.value;
  }
  return context;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

function toDate(value: AttributeValue): Date {
  return new Date(typeof value === "number" ? value : String(value));
}

/** The bundle's attribute values by name, for model features. */
export function bundleValues(
  node: CompiledNode,
  profile: Profile,
): Record<string, AttributeValue | undefined> {
  const values: Record<string, AttributeValue | undefined> = {};
  for (const attribute of node.bundle) values[attribute.name] = profile[attribute.name]?.value;
  return values;
}
