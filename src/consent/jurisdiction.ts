/**
 * Evaluation of the jurisdiction rules declared in `jurisdiction-rules.ts`. A rule only adds
 * to the basis check: it refuses what its law forbids and otherwise lets the basis check
 * decide, so that a withdrawal stays `consent_withdrawn` and an expiry `consent_expired`.
 */

import type { JurisdictionRequirement, JurisdictionRule } from "./jurisdiction-rules.ts";
import type { ConsentState } from "./ledger.ts";
import {
  deny,
  describeState,
  evidenceOf,
  type PermissionRequest,
  type PermissionResult,
} from "./permission-result.ts";

type RuleCheck = (
  rule: JurisdictionRule,
  request: PermissionRequest,
  state: ConsentState,
) => PermissionResult | undefined;

const REQUIREMENT_CHECKS: Readonly<Record<JurisdictionRequirement, RuleCheck>> = {
  express_written_consent: expressWrittenConsent,
  consent_or_soft_opt_in: consentOrSoftOptIn,
};

/**
 * The refusal `rule` gives to `request` in consent state `state`, or undefined when the rule
 * is satisfied as far as it goes and the basis check must decide.
 */
export function checkJurisdiction(
  rule: JurisdictionRule,
  request: PermissionRequest,
  state: ConsentState,
): PermissionResult | undefined {
  return REQUIREMENT_CHECKS[rule.requires](rule, request, state);
}

/**
 * US marketing SMS (TCPA): only basis consent can carry it, and a live grant must be express
 * written consent. A grant that is not live (withdrawn, expired, missing) is left to the basis
 * check, which names the more precise reason.
 */
function expressWrittenConsent(
  rule: JurisdictionRule,
  request: PermissionRequest,
  state: ConsentState,
): PermissionResult | undefined {
  if (request.basis !== "consent") {
    const detail = `${lead(rule, request)} needs express written consent, not ${request.basis}`;
    return deny("no_lawful_basis", evidenceOf(state), detail);
  }
  if (state.status === "granted" && state.record?.express !== true) {
    const stated = describeState(state, request);
    const detail = `${lead(rule, request)} needs express written consent; ${stated} is not express`;
    return deny("consent_missing", evidenceOf(state), detail);
  }
  return undefined;
}

/**
 * EU and UK marketing e-mail and SMS (ePrivacy Art. 13, PECR reg. 22): basis consent goes on
 * to the basis check (a grant is needed there; a soft opt-in is not consent). Basis
 * legitimate interests is lawful only under the existing-customer soft opt-in, so the latest
 * record must be a soft opt-in in force. No other basis can carry marketing.
 */
function consentOrSoftOptIn(
  rule: JurisdictionRule,
  request: PermissionRequest,
  state: ConsentState,
): PermissionResult | undefined {
  if (request.basis === "consent") return undefined;
  if (request.basis === "legitimate_interests") {
    if (state.status === "soft_opt_in") return undefined;
    const stated = describeState(state, request);
    const detail = `${lead(rule, request)} on legitimate interests needs a soft opt-in; ${stated}`;
    return deny("no_lawful_basis", evidenceOf(state), detail);
  }
  const detail = `${lead(rule, request)} needs consent or a soft opt-in, not ${request.basis}`;
  return deny("no_lawful_basis", evidenceOf(state), detail);
}

/** "rule us-sms-marketing (TCPA ...): marketing.promo on sms" */
function lead(rule: JurisdictionRule, request: PermissionRequest): string {
  return `rule ${rule.id} (${rule.law}): ${request.purpose.id} on ${request.channel}`;
}
