import { type Almanac, Engine as RulesEngine, type TopLevelCondition } from "json-rules-engine";
import type { CompiledNode, LogisticModel } from "../src/engine/node.ts";

/**
 * The starter playbooks' trigger and eligibility rules, written again for json-rules-engine,
 * the reference the engine is measured against. The benchmark checks on every input that both
 * give the same verdict, so this file cannot drift from the playbooks unnoticed.
 */

type Leaf = { fact: string; path: string; operator: string; value: unknown };

function is(attribute: string, operator: string, value: unknown): Leaf {
  const [fact = "", field = ""] = attribute.split(".");
  return { fact, path: `$.${field}`, operator, value };
}

export const JSON_RULES: Readonly<Record<string, TopLevelCondition>> = {
  // Time-triggered nodes: the timer is the scheduler's work, so only `when` and eligibility.
  "claim-status-day-3": {
    all: [
      is("claim.status", "notEqual", "closed"),
      {
        any: ["open", "in_review", "awaiting_documents"].map((s) => is("claim.status", "equal", s)),
      },
    ],
  },
  "renewal-benefits-check": {
    all: [
      is("policy.status", "equal", "active"),
      { any: [is("policy.product", "equal", "motor"), is("policy.product", "equal", "home")] },
    ],
  },
  "onboarding-first-project-nudge": {
    all: [
      is("onboarding.first_project_done", "equal", false),
      is("account.plan", "notEqual", "enterprise"),
    ],
  },
  "renewal-reminder-90d": {
    all: [is("account.plan", "notEqual", "trial")],
  },
  "service-recovery-low-csat": {
    all: [is("ticket.csat", "lessThanInclusive", 2)],
  },
  "category-campaign": {
    all: [
      { any: [is("retail.mens", "equal", true), is("retail.womens", "equal", true)] },
      is("retail.recency", "lessThanInclusive", 12),
    ],
  },
  "loyalty-tier-window": {
    all: [is("loyalty.tier", "notEqual", "basic")],
  },
};

/**
 * A json-rules-engine for one node: its rule from {@link JSON_RULES} and, where the node targets
 * by its model (`min_score`, the retail campaign), a `modelScore` fact computed from the same
 * coefficients, as a json-rules-engine user would write it, against the same cut-off.
 */
export function jsonRulesEngineFor(node: CompiledNode): RulesEngine {
  const conditions = JSON_RULES[node.id];
  if (conditions === undefined) throw new Error(`no json-rules-engine rule for ${node.id}`);
  const engine = new RulesEngine([], { allowUndefinedFacts: true });
  const cutOff = node.model?.minScore;
  if (node.model === undefined || cutOff === undefined) {
    engine.addRule({ conditions, event: { type: node.id } });
    return engine;
  }
  const model = node.model.treated;
  engine.addFact("modelScore", (_params: unknown, almanac: Almanac) => propensity(model, almanac));
  const scored = { fact: "modelScore", operator: "greaterThanInclusive", value: cutOff };
  engine.addRule({ conditions: { all: [conditions, scored] }, event: { type: node.id } });
  return engine;
}

/** The model's probability over the rule context, one-hot terms as `attribute=value`. */
async function propensity(model: LogisticModel, almanac: Almanac): Promise<number> {
  let score = model.intercept;
  for (const [term, weight] of Object.entries(model.coefficients)) {
    const [attribute = "", category] = term.split("=");
    const [group = "", field = ""] = attribute.split(".");
    const values = (await almanac.factValue(group)) as Record<string, unknown> | undefined;
    const value = values?.[field];
    if (category !== undefined) score += value === category ? weight : 0;
    else if (typeof value === "boolean") score += value ? weight : 0;
    else if (typeof value === "number") score += weight * value;
  }
  return 1 / (1 + Math.exp(-score));
}
