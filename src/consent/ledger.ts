/**
 * Consent ledger semantics: what the append-only ledger says for one purpose and channel as of
 * an instant. Pure: no I/O, no clock reads; the instant is passed in.
 */

import type { Channel, ConsentKind, ConsentRecord, Instant } from "../engine/types.ts";

/**
 * The state of consent for one purpose and channel:
 * - `granted`: the latest record is a grant that has not expired;
 * - `pending`: a double opt-in that was never confirmed (not a grant, GDPR Art. 4(11));
 * - `withdrawn`: the latest record is a withdrawal (Art. 7(3));
 * - `objected`: the latest record is an objection (Art. 21);
 * - `expired`: the latest record is a grant (or soft opt-in) whose `expiresAt` <= the instant;
 * - `soft_opt_in`: an existing-customer soft opt-in is recorded (ePrivacy Art. 13(2));
 * - `none`: no record applies yet.
 */
export type ConsentStatus =
  | "granted"
  | "pending"
  | "withdrawn"
  | "objected"
  | "expired"
  | "soft_opt_in"
  | "none";

/** A status and the record that decided it (absent only for `none`). */
export interface ConsentState {
  readonly status: ConsentStatus;
  readonly record?: ConsentRecord;
}

/** The state when no record applies. Shared: it carries no record, so nothing can leak. */
export const NO_CONSENT: ConsentState = Object.freeze({ status: "none" });

const STATUS_OF_KIND: Readonly<Record<ConsentKind, ConsentStatus>> = {
  grant: "granted",
  pending: "pending",
  withdrawal: "withdrawn",
  objection: "objected",
  soft_opt_in: "soft_opt_in",
};

/**
 * What was the consent state for this purpose and channel as of instant `at`, and on what
 * evidence. Rules, in order:
 *
 * 1. Only records for `purpose` whose channel is `channel` or `*` count, and only those with
 *    `capturedAt <= at`: the query is as of `at`, so a record captured later changes nothing.
 * 2. The latest record by `capturedAt` wins, whatever its position in `records`. A withdrawal
 *    (GDPR Art. 7(3)) or an objection (Art. 21) thus takes effect from its own timestamp, also
 *    when it reached the ledger after records captured later.
 * 3. At the same `capturedAt`, a channel-specific record beats a `*` record.
 * 4. At the same `capturedAt` and specificity, the more restrictive record wins (fail closed):
 *    see {@link latestRecord}.
 * 5. A winning grant whose `expiresAt <= at` is `expired`; so is a lapsed soft opt-in.
 *
 * One pass over `records`, no sorting, and no allocation beyond the returned state.
 *
 * @example
 * consentAsOf(view.records, "marketing.campaigns", "email", Date.parse("2025-03-01T00:00:00Z"))
 * // → { status: "granted", record: { id: "c-12", kind: "grant", ... } }
 */
export function consentAsOf(
  records: readonly ConsentRecord[],
  purpose: string,
  channel: Channel,
  at: Instant,
): ConsentState {
  const latest = latestRecord(records, purpose, channel, at);
  if (latest === undefined) return NO_CONSENT;
  return { status: statusOf(latest, at), record: latest };
}

/**
 * The record that decides the state for `purpose` on `channel` as of `at` (rules 1–4 of
 * {@link consentAsOf}), or undefined when none applies. Ties at the same instant and
 * specificity go to the more restrictive record: objection, then withdrawal, then pending,
 * then soft opt-in, then grant; between two grants or soft opt-ins, the earlier expiry, then
 * the one without express consent; last, the smaller id, so that the answer never depends on
 * the order of `records`.
 */
export function latestRecord(
  records: readonly ConsentRecord[],
  purpose: string,
  channel: Channel,
  at: Instant,
): ConsentRecord | undefined {
  let latest: ConsentRecord | undefined;
  for (const record of records) {
    if (record.capturedAt > at || record.purpose !== purpose) continue;
    if (record.channel !== channel && record.channel !== "*") continue;
    if (latest === undefined || supersedes(record, latest)) latest = record;
  }
  return latest;
}

function statusOf(record: ConsentRecord, at: Instant): ConsentStatus {
  const status = STATUS_OF_KIND[record.kind];
  const lapses = status === "granted" || status === "soft_opt_in";
  return lapses && record.expiresAt !== undefined && record.expiresAt <= at ? "expired" : status;
}

function supersedes(candidate: ConsentRecord, current: ConsentRecord): boolean {
  if (candidate.capturedAt !== current.capturedAt) {
    return candidate.capturedAt > current.capturedAt;
  }

  const specific = candidate.channel !== "*";
  if (specific !== (current.channel !== "*")) return specific;

  return moreRestrictive(candidate, current);
}

/** Rank of each kind when two records tie: the higher rank is the more restrictive. */
const RESTRICTIVENESS: Readonly<Record<ConsentKind, number>> = {
  grant: 0,
  soft_opt_in: 1,
  pending: 2,
  withdrawal: 3,
  objection: 4,
};

function moreRestrictive(a: ConsentRecord, b: ConsentRecord): boolean {
  const byKind = RESTRICTIVENESS[a.kind] - RESTRICTIVENESS[b.kind];
  if (byKind !== 0) return byKind > 0;

  const expiryA = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (expiryA !== expiryB) return expiryA < expiryB;

  const expressA = a.express === true;
  if (expressA !== (b.express === true)) return !expressA;

  return a.id < b.id;
}
