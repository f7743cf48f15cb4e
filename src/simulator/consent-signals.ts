import type { Channel, ConsentKind, Instant } from "../engine/types.ts";
import { DAY, MINUTE } from "./clock.ts";
import { contactJurisdiction, type SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";

/** Which consent-ledger records a playbook's customers produce, by purpose. */
export interface ConsentPlan {
  /** Marketing purposes asked for at sign-up (basis consent): grant, double opt-in or nothing. */
  readonly optIn: readonly string[];
  /** Purposes covered by the existing-customer soft opt-in (offered an opt-out at purchase). */
  readonly softOptIn: readonly string[];
  /** Purposes on legitimate interests a subject may object to (Art. 21(1)). */
  readonly objectable: readonly string[];
  /** Contact points and the share of subjects who have one. */
  readonly contacts: readonly (readonly [Channel, number])[];
}

/** When a subject's choices were made and when they reach Assent. */
export interface Enrolment {
  /** When the records arrive: the sign-up itself, or the day-0 import of an existing customer. */
  readonly at: Instant;
  /** When the subject chose: before the run for imported customers. */
  readonly capturedAt: Instant;
  /** Whether the records come from the day-0 import (source `crm`) rather than a live form. */
  readonly imported: boolean;
}

/** EU and UK consents are re-confirmed every two years (a house rule, not the law). */
const CONSENT_LIFETIME = 730 * DAY;

/**
 * Records a subject's contact points and consent choices at enrolment, and schedules what
 * changes later in the run: withdrawals, objections, suppressions and Global Privacy Control.
 * Every later record comes after the one it changes, in the stream and in `capturedAt`.
 */
export function enrol(sim: Sim, subject: SimSubject, plan: ConsentPlan, enrolment: Enrolment) {
  let offset = 0;
  const next = () => enrolment.at + offset++;
  const channels = recordContacts(sim, subject, plan, next);
  for (const purpose of plan.optIn) optIn(sim, subject, purpose, channels, { enrolment, next });
  for (const purpose of plan.softOptIn) softOptIn(sim, subject, purpose, enrolment, next());
  for (const purpose of plan.objectable) laterObjection(sim, subject, purpose, enrolment.at, 0.04);
  laterSuppressions(sim, subject, enrolment.at);
  laterGpc(sim, subject, enrolment.at);
}

interface Sequence {
  readonly enrolment: Enrolment;
  readonly next: () => Instant;
}

function recordContacts(sim: Sim, subject: SimSubject, plan: ConsentPlan, next: () => Instant) {
  const channels = new Set<Channel>();
  for (const [channel, share] of plan.contacts) {
    if (!subject.random.chance(share)) continue;
    channels.add(channel);
    sim.timeline.contact(subject, next(), channel, contactJurisdiction(subject, channel));
  }
  return channels;
}

/** 70% grant at sign-up, 12% start a double opt-in (about half confirm), the rest decline. */
function optIn(
  sim: Sim,
  subject: SimSubject,
  purpose: string,
  channels: ReadonlySet<Channel>,
  sequence: Sequence,
) {
  const roll = subject.random.next();
  if (roll >= 0.82) return;
  const granted =
    roll < 0.7
      ? grantNow(sim, subject, purpose, sequence)
      : doubleOptIn(sim, subject, purpose, sequence);
  if (granted === undefined) return;
  if (channels.has("sms") && subject.random.chance(0.25)) {
    smsGrant(sim, subject, purpose, sequence);
  }
  if (subject.random.chance(0.1)) laterWithdrawal(sim, subject, purpose, granted);
  laterObjection(sim, subject, purpose, granted, 0.015);
}

function grantNow(sim: Sim, subject: SimSubject, purpose: string, sequence: Sequence) {
  const { enrolment, next } = sequence;
  const at = next();
  record(sim, subject, at, {
    purpose,
    channel: "email",
    kind: "grant",
    capturedAt: enrolment.capturedAt,
    source: enrolment.imported ? "crm" : "signup-form",
    evidence: `form-${subject.random.hex(12)}`,
  });
  return at;
}

/** A pending double opt-in; a confirmation, if it comes, is the grant. */
function doubleOptIn(sim: Sim, subject: SimSubject, purpose: string, sequence: Sequence) {
  const { enrolment, next } = sequence;
  const evidence = `doi-${subject.random.hex(12)}`;
  const source = enrolment.imported ? "crm" : "signup-form";
  const base: Pick<RecordFields, "purpose" | "channel" | "source" | "evidence"> = {
    purpose,
    channel: "email",
    source,
    evidence,
  };
  record(sim, subject, next(), { ...base, kind: "pending", capturedAt: enrolment.capturedAt });
  if (!subject.random.chance(0.55)) return undefined;

  const delay = Math.min(3 * DAY, subject.random.logNormal(40 * MINUTE, 1.5));
  const confirmedAt = Math.floor(enrolment.capturedAt + delay);
  const at = enrolment.imported ? next() : confirmedAt;
  record(sim, subject, at, { ...base, kind: "grant", capturedAt: confirmedAt });
  return at;
}

/** US numbers mostly come with express written consent (TCPA); elsewhere it is not recorded. */
function smsGrant(sim: Sim, subject: SimSubject, purpose: string, sequence: Sequence) {
  const { enrolment, next } = sequence;
  const us = subject.jurisdiction === "US";
  record(sim, subject, next(), {
    purpose,
    channel: "sms",
    kind: "grant",
    capturedAt: enrolment.capturedAt,
    source: enrolment.imported ? "crm" : "signup-form",
    evidence: `sms-${subject.random.hex(12)}`,
    ...(us ? { express: subject.random.chance(0.8) } : {}),
  });
}

/** Soft opt-in where the subject left the opt-out box alone; an objection where they ticked it. */
function softOptIn(
  sim: Sim,
  subject: SimSubject,
  purpose: string,
  enrolment: Enrolment,
  at: Instant,
) {
  const kind: ConsentKind = subject.random.chance(0.92) ? "soft_opt_in" : "objection";
  record(sim, subject, at, {
    purpose,
    channel: kind === "objection" ? "*" : "email",
    kind,
    capturedAt: enrolment.capturedAt,
    source: enrolment.imported ? "crm" : "checkout",
    evidence: `checkout-${subject.random.hex(12)}`,
  });
}

function laterWithdrawal(sim: Sim, subject: SimSubject, purpose: string, after: Instant) {
  const at = laterAt(sim, subject, after);
  if (at === undefined) return;
  const channel = subject.random.chance(0.7) ? "email" : "*";
  const source = "preference-centre";
  const evidence = `pc-${subject.random.hex(12)}`;
  record(sim, subject, at, {
    purpose,
    channel,
    kind: "withdrawal",
    capturedAt: at,
    source,
    evidence,
  });
}

function laterObjection(sim: Sim, subject: SimSubject, purpose: string, after: Instant, p: number) {
  if (!subject.random.chance(p)) return;
  const at = laterAt(sim, subject, after);
  if (at === undefined) return;
  const evidence = `objection-${subject.random.hex(12)}`;
  const source = subject.random.chance(0.5) ? "support" : "preference-centre";
  record(sim, subject, at, {
    purpose,
    channel: "*",
    kind: "objection",
    capturedAt: at,
    source,
    evidence,
  });
}

const SUPPRESSIONS = [
  { reason: "hard_bounce", channel: "email", share: 0.015 },
  { reason: "unsubscribed", channel: "email", share: 0.025 },
  { reason: "complaint", channel: "email", share: 0.003 },
  { reason: "do_not_contact", channel: "*", share: 0.004 },
] as const;

function laterSuppressions(sim: Sim, subject: SimSubject, after: Instant) {
  for (const { reason, channel, share } of SUPPRESSIONS) {
    if (!subject.random.chance(share)) continue;
    const at = laterAt(sim, subject, after);
    if (at !== undefined) sim.timeline.suppression(subject, at, { reason, channel, since: at });
  }
}

/** The signal comes from the subject's browser; it is far more common in the US. */
function laterGpc(sim: Sim, subject: SimSubject, after: Instant) {
  if (!subject.random.chance(subject.jurisdiction === "US" ? 0.15 : 0.03)) return;
  const at = laterAt(sim, subject, after);
  if (at !== undefined) sim.timeline.gpc(subject, at);
}

type RecordFields = {
  readonly purpose: string;
  readonly channel: Channel | "*";
  readonly kind: ConsentKind;
  readonly capturedAt: Instant;
  readonly source: string;
  readonly evidence: string;
  readonly express?: boolean;
};

function record(sim: Sim, subject: SimSubject, at: Instant, fields: RecordFields) {
  const expires =
    fields.kind === "grant" && (subject.jurisdiction === "EU" || subject.jurisdiction === "UK");
  sim.timeline.consent(at, {
    ...fields,
    subjectId: subject.id,
    jurisdiction: subject.jurisdiction,
    ...(expires ? { expiresAt: fields.capturedAt + CONSENT_LIFETIME } : {}),
  });
}

/** A plausible local instant on a random later day of the run, strictly after `after`. */
function laterAt(sim: Sim, subject: SimSubject, after: Instant): Instant | undefined {
  const day = sim.dayFrom(subject, sim.clock.dayOf(after));
  return day === undefined ? undefined : sim.activeAt(subject, day, after);
}
