/**
 * The subject's copy of their data (GDPR Art. 15): one JSON document with the profile and its
 * lineage, the events it was built from, the consent history with its evidence, suppressions
 * and signals, every decision with its explanation and plain-language reason, and every
 * delivery with its status. Instants are ISO 8601 (UTC).
 */

import { REASONS } from "../engine/reasons.ts";
import type { AssentEvent, ConsentView, Instant, Profile } from "../engine/types.ts";
import type { Delivery, StoredDecision } from "../store/store.ts";

/** The version of the export format; bumped when a field changes meaning. */
export const EXPORT_FORMAT = "assent.subject-export/v1";

/** Everything read for one subject, as the store gives it. */
export interface SubjectData {
  readonly subjectId: string;
  readonly profile: Profile;
  readonly events: readonly AssentEvent[];
  readonly consent: ConsentView;
  readonly decisions: readonly StoredDecision[];
  readonly deliveries: readonly Delivery[];
}

const iso = (at: Instant) => new Date(at).toISOString();
const isoOrNull = (at: Instant | undefined) => (at === undefined ? null : iso(at));

/**
 * The export document. Pure: `generatedAt` is passed in.
 *
 * @example JSON.stringify(subjectExport(data, Date.now()), null, 2)
 */
export function subjectExport(data: SubjectData, generatedAt: Instant) {
  return {
    format: EXPORT_FORMAT,
    subjectId: data.subjectId,
    generatedAt: iso(generatedAt),
    profile: profileOf(data.profile),
    events: data.events.map((event) => ({
      ...event,
      occurredAt: iso(event.occurredAt),
      receivedAt: iso(event.receivedAt),
    })),
    consent: consentOf(data.consent),
    decisions: data.decisions.map(decisionOf),
    deliveries: data.deliveries.map(deliveryOf),
  };
}

export type SubjectExport = ReturnType<typeof subjectExport>;

function profileOf(profile: Profile) {
  return [...profile.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([attribute, state]) => ({
      attribute,
      value: state.value,
      updatedAt: iso(state.updatedAt),
      lineage: { eventId: state.eventId ?? null, source: state.source ?? null },
    }));
}

function consentOf(view: ConsentView) {
  return {
    records: view.records.map((record) => ({
      ...record,
      capturedAt: iso(record.capturedAt),
      expiresAt: isoOrNull(record.expiresAt),
    })),
    suppressions: view.suppressions.map((suppression) => ({
      ...suppression,
      since: iso(suppression.since),
      liftedAt: isoOrNull(suppression.liftedAt),
    })),
    globalPrivacyControlSince: isoOrNull(view.gpcSince),
    contactJurisdictions: view.contacts,
  };
}

function decisionOf(stored: StoredDecision) {
  const { decision } = stored;
  return {
    decisionId: stored.decisionId,
    nodeId: decision.nodeId,
    playbook: decision.playbook,
    eventId: decision.eventId,
    decidedAt: iso(decision.decidedAt),
    outcome: decision.outcome,
    reason: decision.reason,
    inPlainWords: REASONS[decision.reason].sentence,
    purpose: decision.purpose,
    basis: decision.basis,
    action: decision.action ?? null,
    deferUntil: isoOrNull(decision.deferUntil),
    explanation: decision.steps,
    versions: decision.versions,
  };
}

function deliveryOf(delivery: Delivery) {
  let payload: unknown = delivery.payload;
  try {
    payload = JSON.parse(delivery.payload);
  } catch {
    // A payload that is not JSON is exported as the text it is.
  }
  return {
    deliveryId: delivery.deliveryId,
    decisionId: delivery.decisionId,
    connector: delivery.connector,
    recipient: delivery.recipient,
    dueAt: iso(delivery.dueAt),
    status: delivery.status,
    attempts: delivery.attempts,
    payload,
  };
}
