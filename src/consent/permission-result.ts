/**
 * The result of a permission check and the small helpers that build it. Details are one
 * engineer-readable sentence that names record ids, purposes, channels and instants only:
 * never personal data.
 */

import { isoInstant } from "../engine/instant-format.ts";
import type {
  Channel,
  ConsentRecord,
  Instant,
  LawfulBasis,
  Purpose,
  ReasonCode,
} from "../engine/types.ts";
import type { ConsentState, ConsentStatus } from "./ledger.ts";

/** One permission question: may `purpose` be processed on `basis` via `channel` at `at`? */
export interface PermissionRequest {
  readonly purpose: Purpose;
  readonly basis: LawfulBasis;
  readonly channel: Channel;
  readonly at: Instant;
}

/** Why permission can be refused: reason codes of `engine/reasons.ts`, checked by the compiler. */
export const PERMISSION_REASONS = [
  "no_lawful_basis",
  "consent_missing",
  "consent_withdrawn",
  "consent_expired",
  "objection",
  "suppressed_globally",
  "gpc_opt_out",
] as const satisfies readonly ReasonCode[];

/** Why permission was refused. */
export type PermissionReason = (typeof PERMISSION_REASONS)[number];

/**
 * `evidence` lists the ids of the consent and suppression records relied on (and `gpc` for the
 * Global Privacy Control signal); `detail` is one short sentence for engineers.
 */
export type PermissionResult =
  | { readonly ok: true; readonly evidence: readonly string[]; readonly detail: string }
  | {
      readonly ok: false;
      readonly reason: PermissionReason;
      readonly evidence: readonly string[];
      readonly detail: string;
    };

/** Evidence when no record was relied on. Frozen and shared to spare an allocation. */
export const NO_EVIDENCE: readonly string[] = Object.freeze([]);

/** A permitted result. */
export function allow(evidence: readonly string[], detail: string): PermissionResult {
  return { ok: true, evidence, detail };
}

/** A refused result. */
export function deny(
  reason: PermissionReason,
  evidence: readonly string[],
  detail: string,
): PermissionResult {
  return { ok: false, reason, evidence, detail };
}

/** The id of the record behind a consent state, if any, as evidence. */
export function evidenceOf(state: ConsentState): readonly string[] {
  return state.record === undefined ? NO_EVIDENCE : [state.record.id];
}

/** "marketing.campaigns on email" — names the purpose and channel of a request. */
export function target(request: PermissionRequest): string {
  return `${request.purpose.id} on ${request.channel}`;
}

/**
 * The consent state as a clause, e.g. "consent c-12 granted 2025-01-02T10:00:00.000Z for
 * marketing.campaigns on email".
 */
export function describeState(state: ConsentState, request: PermissionRequest): string {
  const record = state.record;
  if (record === undefined) {
    return `no consent record for ${target(request)} as of ${isoInstant(request.at)}`;
  }

  const on = record.channel === "*" ? `${request.purpose.id} on * (all channels)` : target(request);
  return describeRecord(state.status, record, on);
}

function describeRecord(status: ConsentStatus, record: ConsentRecord, on: string): string {
  const captured = isoInstant(record.capturedAt);
  switch (status) {
    case "granted":
      return `consent ${record.id} granted ${captured} for ${on}`;
    case "expired":
      return `${record.kind} ${record.id} of ${captured} for ${on} expired ${expiry(record)}`;
    case "pending":
      return `consent ${record.id} for ${on} is a pending double opt-in since ${captured}`;
    case "withdrawn":
      return `consent for ${on} withdrawn by ${record.id} at ${captured}`;
    case "objected":
      return `objection ${record.id} at ${captured} to ${on}`;
    case "soft_opt_in":
      return `soft opt-in ${record.id} recorded ${captured} for ${on}`;
    case "none":
      return `no consent record for ${on}`;
  }
}

function expiry(record: ConsentRecord): string {
  return record.expiresAt === undefined ? "(no expiry)" : isoInstant(record.expiresAt);
}
