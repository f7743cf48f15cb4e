/**
 * What the preference centre offers a subject: each purpose and channel the deployment may
 * contact them for, on which lawful basis, and whether it is on now and since when. Pure: the
 * consent view and the instant are passed in; "on" is exactly what the permission step of a
 * decision would say at that instant, so the page never disagrees with the engine.
 */

import { consentAsOf } from "../consent/ledger.ts";
import { checkPermission, type PermissionResult } from "../consent/permission.ts";
import type {
  Channel,
  ConsentKind,
  ConsentView,
  Instant,
  LawfulBasis,
  Purpose,
} from "../engine/types.ts";
import type { Deployment } from "../playbook/loader.ts";

/** One purpose on one channel, with the basis its decision nodes rely on. */
export interface Offer {
  readonly purpose: Purpose;
  readonly channel: Channel;
  readonly basis: LawfulBasis;
}

/** Why a choice is in its state, in words a subject understands (see {@link stateText}). */
export type ChoiceCause =
  | "agreed"
  | "not_objected"
  | "necessary"
  | "switched_off"
  | "objected"
  | "never_agreed"
  | "expired"
  | "unsubscribed"
  | "privacy_signal"
  | "not_permitted";

/** An offer with its state now. `since` is when the record that decides it was captured. */
export interface Choice extends Offer {
  readonly on: boolean;
  readonly cause: ChoiceCause;
  readonly since?: Instant;
  /** Whether the subject can switch it here: not for necessity, unsubscribe or GPC. */
  readonly switchable: boolean;
}

/** The record kinds a switch writes, by basis: a withdrawal ends consent, an objection ends LI. */
export function switchKind(basis: LawfulBasis, on: boolean): ConsentKind {
  if (on) return "grant";
  return basis === "consent" ? "withdrawal" : "objection";
}

/** Bases that read the ledger come first: a purpose on a channel shows its most demanding one. */
const BASIS_RANK: Readonly<Record<LawfulBasis, number>> = {
  consent: 0,
  legitimate_interests: 1,
  public_task: 2,
  contract: 3,
  legal_obligation: 4,
  vital_interests: 5,
};

/**
 * Every purpose and channel some decision node of the deployment acts on: marketing purposes
 * first, each kind in catalog order, then by channel. Where nodes of one purpose and channel
 * use different bases, the one that needs the most from the subject wins (consent before
 * legitimate interests before necessity), so the switch shown really stops those messages.
 *
 * @example offersOf(deployment)[0] // { purpose: { id: "service.onboarding", … }, channel: "email", basis: "contract" }
 */
export function offersOf(deployment: Deployment): Offer[] {
  const found = new Map<string, Offer>();
  for (const node of deployment.playbooks.flatMap((playbook) => playbook.nodes)) {
    for (const channel of node.channels) {
      const key = `${node.purpose.id}\u0000${channel}`;
      const current = found.get(key);
      if (current === undefined || BASIS_RANK[node.basis] < BASIS_RANK[current.basis]) {
        found.set(key, { purpose: node.purpose, channel, basis: node.basis });
      }
    }
  }
  // Marketing first: those are the choices a subject comes to make.
  const order = [...deployment.catalog.purposes.values()]
    .sort((a, b) => Number(a.kind !== "marketing") - Number(b.kind !== "marketing"))
    .map((purpose) => purpose.id);
  return [...found.values()].sort(
    (a, b) =>
      order.indexOf(a.purpose.id) - order.indexOf(b.purpose.id) ||
      a.channel.localeCompare(b.channel),
  );
}

/** The state of each offer for the subject of `view` at `at`. */
export function choicesOf(offers: readonly Offer[], view: ConsentView, at: Instant): Choice[] {
  return offers.map((offer) => choiceOf(offer, view, at));
}

function choiceOf(offer: Offer, view: ConsentView, at: Instant): Choice {
  const result = checkPermission(view, { ...offer, at });
  const record = consentAsOf(view.records, offer.purpose.id, offer.channel, at).record;
  const cause = causeOf(offer, result);
  const since = sinceOf(cause, view, offer, at) ?? record?.capturedAt;
  const fixed = cause === "necessary" || cause === "unsubscribed" || cause === "privacy_signal";
  const switchable = !fixed && cause !== "not_permitted";
  return { ...offer, on: result.ok, cause, switchable, ...(since === undefined ? {} : { since }) };
}

function causeOf(offer: Offer, result: PermissionResult): ChoiceCause {
  if (result.ok) {
    if (offer.basis === "consent") return "agreed";
    return offer.basis === "legitimate_interests" ? "not_objected" : "necessary";
  }
  switch (result.reason) {
    case "consent_withdrawn":
      return "switched_off";
    case "objection":
      return "objected";
    case "consent_missing":
      return "never_agreed";
    case "consent_expired":
      return "expired";
    case "suppressed_globally":
      return "unsubscribed";
    case "gpc_opt_out":
      return "privacy_signal";
    default:
      return "not_permitted";
  }
}

/** For suppressions and GPC the instant comes from them, not from a consent record. */
function sinceOf(cause: ChoiceCause, view: ConsentView, offer: Offer, at: Instant) {
  if (cause === "privacy_signal") return view.gpcSince;
  if (cause !== "unsubscribed") return undefined;
  const inForce = view.suppressions.filter(
    (s) =>
      (s.channel === offer.channel || s.channel === "*") &&
      s.since <= at &&
      (s.liftedAt === undefined || s.liftedAt > at),
  );
  return inForce.length === 0 ? undefined : Math.min(...inForce.map((s) => s.since));
}
