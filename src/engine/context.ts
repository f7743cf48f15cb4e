import type { CompiledNode, RuleContext } from "./node.ts";
import { type BundleField, bundlePlan, type ContextPlan } from "./prepared.ts";
import type { AssentEvent, AttributeState, AttributeValue, Instant, Profile } from "./types.ts";

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
  // Not strict, so never undefined.
  return planContext(plan, profile, event, now, false) ?? {};
}

/**
 * The rule context of `plan`. With `strict`, undefined as soon as a required attribute is
 * absent: the trigger then says which one (see {@link missingRequired}) without a second pass
 * over the profile on the common path.
 */
export function planContext(
  plan: ContextPlan,
  profile: Profile,
  event: AssentEvent,
  now: Instant,
  strict: boolean,
): RuleContext | undefined {
  const { context, groups } = emptyContext(plan, event, now);
  // Plain loops: this runs on every decision, and a closure per call showed in profiles.
  for (const field of plan.fields) {
    const state = profile.get(field.name);
    if (state === undefined) {
      if (strict && !field.optional) return undefined;
      continue;
    }
    place(groups, field, state);
  }
  return context;
}

/** A context with `event`, `now` and one empty group per namespace, as `plan` asks. */
export function emptyContext(
  plan: ContextPlan,
  event: AssentEvent,
  now: Instant,
): { context: RuleContext; groups: Record<string, unknown>[] } {
  const context: Record<string, unknown> = {};
  if (plan.readsEvent) context.event = { type: event.type, data: event.data };
  if (plan.readsNow) context.now = new Date(now);
  const groups: Record<string, unknown>[] = [];
  for (const namespace of plan.namespaces) {
    const group = {};
    groups.push(group);
    context[namespace] = group;
  }
  return { context, groups };
}

/** Sets the attribute's value in its namespace group (timestamps as `Date`). */
export function place(
  groups: readonly Record<string, unknown>[],
  field: BundleField,
  state: AttributeState,
): void {
  const target = groups[field.group];
  if (target !== undefined)
    target[field.field] = field.timestamp ? toDate(state.value) : state.value;
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
