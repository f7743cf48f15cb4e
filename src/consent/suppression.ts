/**
 * Global suppression: unsubscribed, hard bounce, complaint and do-not-contact. Which purposes
 * each one blocks is declared in {@link SUPPRESSION_RULES}.
 */

import type {
  Channel,
  Instant,
  LawfulBasis,
  Purpose,
  SuppressionReason,
  SuppressionRecord,
} from "../engine/types.ts";

/** What one kind of suppression blocks on its channel. */
export interface SuppressionRule {
  /** `marketing`: only purposes of kind marketing; `all`: every purpose. */
  readonly blocks: "marketing" | "all";
  /** Bases that still go through, whatever the suppression. */
  readonly exemptBases: readonly LawfulBasis[];
  /** Why, with the law where there is one. */
  readonly why: string;
}

/** The suppression rules, one per reason. */
export const SUPPRESSION_RULES: Readonly<Record<SuppressionReason, SuppressionRule>> = {
  hard_bounce: {
    blocks: "all",
    exemptBases: [],
    why: "the address does not exist; sending again serves no purpose and hurts deliverability",
  },
  unsubscribed: {
    blocks: "marketing",
    exemptBases: [],
    why: "an opt-out of direct marketing (GDPR Art. 21(3), ePrivacy Art. 13(2), CAN-SPAM)",
  },
  complaint: {
    blocks: "marketing",
    exemptBases: [],
    why: "a spam complaint is an opt-out of marketing (as an unsubscribe)",
  },
  do_not_contact: {
    blocks: "all",
    exemptBases: ["legal_obligation", "vital_interests"],
    why: "no contact save what the law requires or what protects life (Art. 6(1)(c), (d))",
  },
};

/**
 * The first suppression in `suppressions` (in their order) that blocks `purpose` on `basis`
 * via `channel` at `at`, or undefined. A suppression is in force from `since` (inclusive)
 * until `liftedAt` (exclusive) and applies to its channel, or to every channel when `*`.
 */
export function blockingSuppression(
  suppressions: readonly SuppressionRecord[],
  purpose: Purpose,
  basis: LawfulBasis,
  channel: Channel,
  at: Instant,
): SuppressionRecord | undefined {
  for (const suppression of suppressions) {
    if (suppression.channel !== channel && suppression.channel !== "*") continue;
    if (inForce(suppression, at) && blocks(SUPPRESSION_RULES[suppression.reason], purpose, basis)) {
      return suppression;
    }
  }
  return undefined;
}

function inForce(suppression: SuppressionRecord, at: Instant): boolean {
  const lifted = suppression.liftedAt !== undefined && suppression.liftedAt <= at;
  return suppression.since <= at && !lifted;
}

function blocks(rule: SuppressionRule, purpose: Purpose, basis: LawfulBasis): boolean {
  if (rule.exemptBases.includes(basis)) return false;
  return rule.blocks === "all" || purpose.kind === "marketing";
}
