import type { TopLevelCondition } from "json-rules-engine";

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
