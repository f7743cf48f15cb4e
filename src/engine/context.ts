import type { CompiledNode, RuleContext } from "./node.ts";
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
  const context: Record<string, unknown> = {
    event: { type: event.type, data: event.data },
    now: new Date(now),
  };

  for (const attribute of node.bundle) {
    const state = profile[attribute.name];
    const dot = attribute.name.indexOf(".");
    const namespace = attribute.name.slice(0, dot);
    const field = attribute.name.slice(dot + 1);
    const group = namespaceObject(context, namespace);
    if (state === undefined) continue;
    group[field] = attribute.type === "timestamp" ? toDate(state.value) : state.value;
  }
  return context;
}

function namespaceObject(context: Record<string, unknown>, namespace: string) {
  const existing = context[namespace];
  if (isRecord(existing)) return existing;
  const created: Record<string, unknown> = {};
  context[namespace] = created;
  return created;
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
