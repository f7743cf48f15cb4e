import { DateTime } from "luxon";
import type {
  Channel,
  ConsentRecord,
  ConsentView,
  Instant,
  LawfulBasis,
  Purpose,
  QuietHours,
  SendRecord,
} from "../../src/engine/types.ts";

/**
 * Independent statements of the promises the engine must keep, written the plain way (from the
 * rules, not from the implementation), for property tests. They assume distinct capture times.
 */

const SERVICE_BASES: readonly LawfulBasis[] = [
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
];

/** The latest record for the purpose on the channel (or `*`) captured at or before `at`. */
function latest(view: ConsentView, purpose: string, channel: Channel, at: Instant) {
  let found: ConsentRecord | undefined;
  for (const record of view.records) {
    if (record.purpose !== purpose || record.capturedAt > at) continue;
    if (record.channel !== channel && record.channel !== "*") continue;
    if (found === undefined || record.capturedAt > found.capturedAt) found = record;
  }
  return found;
}

function grantValid(record: ConsentRecord | undefined, at: Instant, express: boolean): boolean {
  if (record?.kind !== "grant") return false;
  if (record.expiresAt !== undefined && record.expiresAt <= at) return false;
  return !express || record.express === true;
}

function suppressed(
  view: ConsentView,
  purpose: Purpose,
  basis: LawfulBasis,
  channel: Channel,
  at: Instant,
) {
  return view.suppressions.some((s) => {
    const inForce = s.since <= at && (s.liftedAt === undefined || s.liftedAt > at);
    if (!inForce || (s.channel !== "*" && s.channel !== channel)) return false;
    if (s.reason === "hard_bounce") return true;
    if (s.reason === "do_not_contact")
      return basis !== "legal_obligation" && basis !== "vital_interests";
    return purpose.kind === "marketing";
  });
}

/** Whether the engine may act for this purpose, basis and channel at `at`. */
export function lawfulAt(
  view: ConsentView,
  purpose: Purpose,
  basis: LawfulBasis,
  channel: Channel,
  at: Instant,
): boolean {
  if (view.gpcSince !== undefined && view.gpcSince <= at && purpose.marks.length > 0) return false;
  if (suppressed(view, purpose, basis, channel, at)) return false;
  const record = latest(view, purpose.id, channel, at);
  const jurisdiction = view.contacts[channel]?.jurisdiction;
  const marketing = purpose.kind === "marketing";
  if (marketing && SERVICE_BASES.includes(basis)) return false;
  // With no contact point on record the strictest rule applies (fail closed).
  const unknown = jurisdiction === undefined;
  const expressNeeded = marketing && channel === "sms" && (jurisdiction === "US" || unknown);
  const euStrict =
    marketing &&
    (channel === "email" || channel === "sms") &&
    (jurisdiction === "EU" || jurisdiction === "UK" || unknown);
  if (basis === "consent") return grantValid(record, at, expressNeeded);
  if (basis === "legitimate_interests") {
    if (expressNeeded) return false;
    if (euStrict) return record?.kind === "soft_opt_in";
    return record?.kind !== "objection" && record?.kind !== "withdrawal";
  }
  if (basis === "public_task") return record?.kind !== "objection";
  return true;
}

/** Minute of the day at `at` on the wall clock of `zone`. */
export function wallMinute(zone: string, at: Instant): number {
  const local = DateTime.fromMillis(at, { zone });
  return local.hour * 60 + local.minute;
}

export function insideQuietHours(quiet: QuietHours, zone: string, at: Instant): boolean {
  const minute = wallMinute(zone, at);
  const { startMinute: start, endMinute: end } = quiet;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The largest number of counted sends in any window (t − period, t] over the history. */
export function maxInAnyWindow(sends: readonly SendRecord[], periodMs: number): number {
  let most = 0;
  for (const end of sends) {
    const count = sends.filter((s) => s.at > end.at - periodMs && s.at <= end.at).length;
    most = Math.max(most, count);
  }
  return most;
}
