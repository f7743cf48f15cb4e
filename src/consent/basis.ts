/**
 * The six lawful bases of GDPR Art. 6(1), evaluated against the consent state as of the
 * decision instant. Runs after GPC, suppression and the jurisdiction rule.
 */

import type { LawfulBasis } from "../engine/types.ts";
import type { ConsentState } from "./ledger.ts";
import {
  allow,
  deny,
  describeState,
  evidenceOf,
  NO_EVIDENCE,
  type PermissionRequest,
  type PermissionResult,
  target,
} from "./permission-result.ts";

type BasisCheck = (request: PermissionRequest, state: ConsentState) => PermissionResult;

const BASIS_CHECKS: Readonly<Record<LawfulBasis, BasisCheck>> = {
  consent: consentBasis,
  legitimate_interests: legitimateInterests,
  contract: necessity,
  legal_obligation: necessity,
  vital_interests: necessity,
  public_task: publicTask,
};

/** Whether a basis reads the consent ledger at all; the necessity bases do not. */
export function basisReadsLedger(basis: LawfulBasis): boolean {
  return basis === "consent" || basis === "legitimate_interests" || basis === "public_task";
}

/** The verdict of `request.basis` for `request` in consent state `state`. */
export function checkBasis(request: PermissionRequest, state: ConsentState): PermissionResult {
  return BASIS_CHECKS[request.basis](request, state);
}

/**
 * Consent, Art. 6(1)(a): the latest record must be a grant that has not expired. A pending
 * double opt-in is no unambiguous indication of wishes (Art. 4(11)) and a soft opt-in is not
 * consent: both are `consent_missing`. A withdrawal ends consent from its own timestamp
 * (Art. 7(3)). An objection in force refuses too: fail closed.
 */
function consentBasis(request: PermissionRequest, state: ConsentState): PermissionResult {
  const evidence = evidenceOf(state);
  const stated = describeState(state, request);
  switch (state.status) {
    case "granted":
      return allow(evidence, stated);
    case "withdrawn":
      return deny("consent_withdrawn", evidence, stated);
    case "objected":
      return deny("objection", evidence, stated);
    case "expired":
      // A lapsed soft opt-in never was consent: missing, not expired.
      if (state.record?.kind !== "grant") return deny("consent_missing", evidence, stated);
      return deny("consent_expired", evidence, stated);
    case "pending":
    case "soft_opt_in":
      return deny("consent_missing", evidence, `${stated}, which is not a grant of consent`);
    case "none":
      return deny("consent_missing", evidence, stated);
  }
}

/**
 * Legitimate interests, Art. 6(1)(f): permitted unless the subject objected (Art. 21(1); for
 * direct marketing the objection is absolute, Art. 21(3)). A withdrawal of consent for the
 * purpose is read as an objection too (fail closed), but keeps its own reason.
 */
function legitimateInterests(request: PermissionRequest, state: ConsentState): PermissionResult {
  const evidence = evidenceOf(state);
  const stated = describeState(state, request);
  if (state.status === "objected") return deny("objection", evidence, stated);
  if (state.status === "withdrawn") return deny("consent_withdrawn", evidence, stated);
  return allow(evidence, `no objection or withdrawal in force: ${stated}`);
}

/**
 * Contract, legal obligation, vital interests and public task, Art. 6(1)(b)-(e): processing
 * that is necessary needs no consent, and objections are not read. None of them can carry
 * marketing (EDPB Guidelines 2/2019 on Art. 6(1)(b)); the playbook loader refuses such nodes,
 * and this refuses them again.
 */
function necessity(request: PermissionRequest): PermissionResult {
  if (request.purpose.kind === "marketing") {
    const needs = "it needs consent or legitimate interests";
    const detail = `basis ${request.basis} cannot carry marketing ${target(request)}; ${needs}`;
    return deny("no_lawful_basis", NO_EVIDENCE, detail);
  }
  const detail = `basis ${request.basis} (necessity) for ${target(request)}; ledger not read`;
  return allow(NO_EVIDENCE, detail);
}

/**
 * Public task, Art. 6(1)(e): necessity, but Art. 21(1) lets the subject object, and processing
 * then stops unless the controller demonstrates compelling legitimate grounds. Showing those
 * grounds is a person's call, so an objection in force refuses here (fail closed).
 */
function publicTask(request: PermissionRequest, state: ConsentState): PermissionResult {
  if (state.status === "objected") {
    return deny("objection", evidenceOf(state), describeState(state, request));
  }
  return necessity(request);
}
