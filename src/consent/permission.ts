/**
 * Permission at the decision instant: may this purpose be processed on this lawful basis via
 * this channel now? Pure: the consent view and the instant are passed in.
 */

import { isoInstant } from "../engine/instant-format.ts";
import type { ConsentView } from "../engine/types.ts";
import { basisReadsLedger, checkBasis } from "./basis.ts";
import { checkJurisdiction } from "./jurisdiction.ts";
import { jurisdictionRuleFor } from "./jurisdiction-rules.ts";
import { consentAsOf, NO_CONSENT } from "./ledger.ts";
import {
  deny,
  type PermissionRequest,
  type PermissionResult,
  target,
} from "./permission-result.ts";
import { blockingSuppression, SUPPRESSION_RULES } from "./suppression.ts";

export {
  PERMISSION_REASONS,
  type PermissionReason,
  type PermissionRequest,
  type PermissionResult,
} from "./permission-result.ts";

const GPC_EVIDENCE: readonly string[] = Object.freeze(["gpc"]);

/**
 * Whether `request` is permitted by `view`, and on what evidence. The checks run in this
 * order and the first that fails is the reason:
 *
 * 1. Global Privacy Control ({@link checkGpc}) → `gpc_opt_out`;
 * 2. global suppression (`suppression.ts`) → `suppressed_globally`;
 * 3. the jurisdiction rule for the channel's contact point (`jurisdiction-rules.ts`);
 * 4. the lawful basis, GDPR Art. 6(1) (`basis.ts`).
 *
 * Never throws for an expected outcome: a refusal is a result with a reason.
 *
 * @example
 * checkPermission(view, { purpose, basis: "consent", channel: "email", at })
 * // → { ok: true, evidence: ["c-12"],
 * //     detail: "consent c-12 granted 2025-01-02T10:00:00.000Z for marketing.campaigns on email" }
 */
export function checkPermission(view: ConsentView, request: PermissionRequest): PermissionResult {
  return (
    checkGpc(view, request) ?? checkSuppression(view, request) ?? checkLawfulBasis(view, request)
  );
}

/**
 * The Global Privacy Control signal is a valid opt-out of sale and sharing (CCPA, Cal. Civ.
 * Code 1798.135(b)(1) and 11 CCR 7025; Colorado 4 CCR 904-3 rule 5) and of targeted
 * advertising. From the instant it was first seen, it blocks every purpose marked `sale`,
 * `sharing` or `targeted_advertising`, whatever the basis.
 */
function checkGpc(view: ConsentView, request: PermissionRequest): PermissionResult | undefined {
  const since = view.gpcSince;
  const marks = request.purpose.marks;
  if (since === undefined || since > request.at || marks.length === 0) return undefined;
  const signal = `Global Privacy Control since ${isoInstant(since)}`;
  const detail = `${signal} opts out of ${request.purpose.id} (marked ${marks.join(", ")})`;
  return deny("gpc_opt_out", GPC_EVIDENCE, detail);
}

function checkSuppression(
  view: ConsentView,
  request: PermissionRequest,
): PermissionResult | undefined {
  const { purpose, basis, channel, at } = request;
  const found = blockingSuppression(view.suppressions, purpose, basis, channel, at);
  if (found === undefined) return undefined;
  const since = isoInstant(found.since);
  const what = `suppression ${found.id} (${found.reason} on ${found.channel} since ${since})`;
  const why = SUPPRESSION_RULES[found.reason].why;
  return deny("suppressed_globally", [found.id], `${what} blocks ${target(request)}: ${why}`);
}

function checkLawfulBasis(view: ConsentView, request: PermissionRequest): PermissionResult {
  const { purpose, basis, channel, at } = request;
  const state = basisReadsLedger(basis)
    ? consentAsOf(view.records, purpose.id, channel, at)
    : NO_CONSENT;
  const rule = jurisdictionRuleFor(view.contacts[channel]?.jurisdiction, channel, purpose.kind);
  const refusal = rule === undefined ? undefined : checkJurisdiction(rule, request, state);
  return refusal ?? checkBasis(request, state);
}
