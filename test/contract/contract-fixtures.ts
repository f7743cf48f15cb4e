import { randomUUID } from "node:crypto";
import { partitionOf } from "../../src/decision-log/chain.ts";
import type {
  AssentEvent,
  ConsentRecord,
  Decision,
  Instant,
  SuppressionRecord,
} from "../../src/engine/types.ts";
import type { Deferral, NewDelivery, NewLogEntry, Review } from "../../src/store/store.ts";

/** Builders for the store contract: small valid records, overridden per test. */

export const T0: Instant = Date.UTC(2026, 0, 5, 9);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A subject id no other test uses. */
export function freshSubject(prefix = "sub"): string {
  return `${prefix}-${randomUUID()}`;
}

/** A fresh subject whose decisions land in `partition`, or (with `inside` false) outside it. */
export function subjectFor(partition: number, inside = true): string {
  for (;;) {
    const subject = freshSubject();
    if ((partitionOf(subject) === partition) === inside) return subject;
  }
}

export function event(subjectId: string, overrides: Partial<AssentEvent> = {}): AssentEvent {
  return {
    id: `evt-${randomUUID()}`,
    type: "claim.opened",
    schemaVersion: 1,
    subjectId,
    occurredAt: T0,
    receivedAt: T0 + 1000,
    source: "claims",
    data: { claimId: "c-1", amount: 1200, tags: ["a", "b"] },
    ...overrides,
  };
}

export function decision(subjectId: string, overrides: Partial<Decision> = {}): Decision {
  return {
    nodeId: "claim-status-day-3",
    playbook: "insurance",
    subjectId,
    eventId: "evt-1",
    decidedAt: T0,
    outcome: "act",
    reason: "eligible",
    action: {
      kind: "message",
      template: "claim-status-v2",
      channel: "email",
      value: 4.1,
      priority: 1,
    },
    purpose: "service.claim_updates",
    basis: "contract",
    steps: [
      { step: "trigger", verdict: "pass", evidence: ["evt-1"], attributes: [], detail: "matched" },
    ],
    sentence: "We sent you a claim update because your claim has been open for three days.",
    versions: { release: "r1", playbook: 3 },
    ...overrides,
  };
}

export function logEntry(subjectId: string, overrides: Partial<NewLogEntry> = {}): NewLogEntry {
  return {
    decisionId: `dec-${randomUUID()}`,
    decision: decision(subjectId),
    recordedAt: T0,
    ...overrides,
  };
}

export function consent(subjectId: string, overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    id: `con-${randomUUID()}`,
    subjectId,
    purpose: "marketing.campaigns",
    channel: "email",
    kind: "grant",
    capturedAt: T0,
    source: "preference-centre",
    evidence: "form-7",
    ...overrides,
  };
}

export function suppression(
  subjectId: string,
  overrides: Partial<SuppressionRecord> = {},
): SuppressionRecord {
  return {
    id: `sup-${randomUUID()}`,
    subjectId,
    reason: "unsubscribed",
    channel: "email",
    since: T0,
    ...overrides,
  };
}

export function deferral(subjectId: string, overrides: Partial<Deferral> = {}): Deferral {
  return {
    deferralId: `def-${randomUUID()}`,
    subjectId,
    nodeId: "claim-status-day-3",
    eventId: "evt-1",
    dueAt: T0 + HOUR,
    decisionId: "dec-1",
    ...overrides,
  };
}

export function review(subjectId: string, overrides: Partial<Review> = {}): Review {
  return {
    reviewId: `rev-${randomUUID()}`,
    subjectId,
    decisionId: "dec-1",
    nodeId: "claim-status-day-3",
    eventId: "evt-1",
    openedAt: T0,
    expiresAt: T0 + DAY,
    status: "pending",
    ...overrides,
  };
}

export function delivery(subjectId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    deliveryId: `del-${randomUUID()}`,
    idempotencyKey: `claim-status-day-3:${subjectId}:evt-1`,
    decisionId: "dec-1",
    subjectId,
    connector: "webhook",
    recipient: "crm-queue",
    payload: JSON.stringify({ template: "claim-status-v2" }),
    dueAt: T0,
    ...overrides,
  };
}
