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
  "claim-status-day-3": {
    all: [
      is("claim.days_open", "equal", 3),
      is("claim.status", "notEqual", "closed"),
      {
        any: ["open", "in_review", "awaiting_documents"].map((s) => is("claim.status", "equal", s)),
      },
    ],
  },
  "renewal-benefits-check": {
    all: [
      is("policy.days_to_renewal", "equal", 45),
      is("policy.status", "equal", "active"),
      { any: [is("policy.product", "equal", "motor"), is("policy.product", "equal", "home")] },
    ],
  },
  "onboarding-first-project-nudge": {
    all: [
      is("onboarding.days_since_signup", "equal", 5),
      is("onboarding.first_project_done", "equal", false),
      is("account.plan", "notEqual", "enterprise"),
    ],
  },
  "renewal-reminder-90d": {
    all: [is("contract.days_to_term_end", "equal", 90), is("account.plan", "notEqual", "trial")],
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
    all: [is("loyalty.days_to_tier_expiry", "equal", 30), is("loyalty.tier", "notEqual", "basic")],
  },
};
