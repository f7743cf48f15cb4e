import type { Outcome } from "./types.ts";

interface ReasonEntry {
  readonly outcome: Outcome;
  /** One line for engineers and privacy officers. */
  readonly meaning: string;
  /** Plain language for the subject: completes "We ..." style sentences without jargon. */
  readonly sentence: string;
}

/**
 * The one vocabulary of reason codes (DESIGN.md, "Reason codes"). Every decision, log line,
 * metric label and explanation uses these and nothing else. Extend deliberately.
 */
export const REASONS = {
  eligible: {
    outcome: "act",
    meaning: "every check passed and the action was taken",
    sentence: "We contacted you because every check for this message passed.",
  },
  review_approved: {
    outcome: "act",
    meaning: "a person approved a decision that waited for review",
    sentence: "We contacted you after a member of our team reviewed and approved it.",
  },
  no_trigger_match: {
    outcome: "abstain",
    meaning: "the event did not meet the node's trigger condition",
    sentence: "Nothing was sent because this moment did not call for it.",
  },
  stale_attribute: {
    outcome: "abstain",
    meaning: "a bundle attribute is older than its freshness SLA",
    sentence: "Nothing was sent because the information we hold was out of date.",
  },
  missing_attribute: {
    outcome: "abstain",
    meaning: "a required bundle attribute is absent from the profile",
    sentence: "Nothing was sent because we did not have the information it needed.",
  },
  node_disabled: {
    outcome: "abstain",
    meaning: "the node is not enabled in the release this subject is routed to",
    sentence: "Nothing was sent because this kind of message is switched off.",
  },
  not_eligible: {
    outcome: "suppress",
    meaning: "the node's eligibility rule was false, or its model scored below the cut-off",
    sentence: "Nothing was sent because the message did not apply to you.",
  },
  no_lawful_basis: {
    outcome: "suppress",
    meaning: "no GDPR Art. 6 basis or jurisdiction rule permits this purpose on this channel",
    sentence: "Nothing was sent because we had no lawful ground to contact you this way.",
  },
  consent_missing: {
    outcome: "suppress",
    meaning: "basis consent, but no grant on record (or only a pending double opt-in)",
    sentence: "Nothing was sent because you have not given your consent for it.",
  },
  consent_withdrawn: {
    outcome: "suppress",
    meaning: "the latest consent record for the purpose and channel is a withdrawal",
    sentence: "Nothing was sent because you withdrew your consent.",
  },
  consent_expired: {
    outcome: "suppress",
    meaning: "the consent grant expired before the decision instant",
    sentence: "Nothing was sent because your earlier consent has expired.",
  },
  objection: {
    outcome: "suppress",
    meaning: "the subject objected to this processing (Art. 21)",
    sentence: "Nothing was sent because you objected to this use of your data.",
  },
  suppressed_globally: {
    outcome: "suppress",
    meaning: "unsubscribed, hard bounce, complaint or do-not-contact",
    sentence: "Nothing was sent because you asked us not to contact you this way.",
  },
  gpc_opt_out: {
    outcome: "suppress",
    meaning: "Global Privacy Control opts out of a purpose marked sale, sharing or ads",
    sentence: "Nothing was sent because your browser's privacy signal asked us not to.",
  },
  residency: {
    outcome: "suppress",
    meaning: "a bundle attribute may not be processed in the region that decides",
    sentence: "Nothing was sent because your data may not be used in this region.",
  },
  out_of_scope: {
    outcome: "suppress",
    meaning: "no action, channel or template is on the node's allow list",
    sentence: "Nothing was sent because the message was not one we allow here.",
  },
  denied: {
    outcome: "suppress",
    meaning: "every candidate action is on a global deny list",
    sentence: "Nothing was sent because this kind of message is not allowed.",
  },
  review_rejected: {
    outcome: "suppress",
    meaning: "a person rejected a decision that waited for review",
    sentence: "Nothing was sent because a member of our team decided against it.",
  },
  review_expired: {
    outcome: "suppress",
    meaning: "no person reviewed the decision within the node's SLA",
    sentence: "Nothing was sent because it was not reviewed in time.",
  },
  killed: {
    outcome: "suppress",
    meaning: "the release or the node's treatment was killed",
    sentence: "Nothing was sent because this message has been stopped.",
  },
  withdrawn_in_flight: {
    outcome: "suppress",
    meaning:
      "permission ended (withdrawal, objection, unsubscribe or GPC) while the action was deferred, under review or queued; cancelled before delivery, the permission step names why",
    sentence:
      "We stopped a message that was waiting to go out, because you withdrew your consent or asked us not to contact you.",
  },
  subject_erased: {
    outcome: "suppress",
    meaning: "the subject's data was erased (GDPR Art. 17); their tombstone blocks every action",
    sentence: "Nothing was sent because you asked us to erase your data.",
  },
  error: {
    outcome: "suppress",
    meaning: "an internal fault; the engine failed closed",
    sentence: "Nothing was sent because of a fault on our side.",
  },
  cap_reached: {
    outcome: "defer",
    meaning: "a frequency cap is full; deferred until the oldest counted send leaves",
    sentence: "We held this message back so that you are not contacted too often.",
  },
  quiet_hours: {
    outcome: "defer",
    meaning: "inside quiet hours in the subject's zone; deferred to the next allowed instant",
    sentence: "We held this message until a reasonable hour where you live.",
  },
  review_threshold: {
    outcome: "review",
    meaning: "value at stake, model confidence or sensitive data needs a person",
    sentence: "A member of our team is checking this before anything is sent.",
  },
  control_arm: {
    outcome: "holdout",
    meaning: "assigned to the experiment's control arm; the action is logged, not taken",
    sentence: "Nothing was sent because you are in a group that helps us measure what works.",
  },
} as const satisfies Record<string, ReasonEntry>;

export type ReasonCode = keyof typeof REASONS;

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(REASONS, value);
}

export const REASON_CODES: readonly ReasonCode[] = Object.keys(REASONS).filter(isReasonCode);
