/**
 * The pacing step: frequency caps, then quiet hours.
 *
 * With several caps the request waits for the latest of their release instants; quiet hours
 * then move that instant further if it falls inside them. Moving forward only takes sends out
 * of windows, so the instant returned admits the request under every cap and outside quiet
 * hours: it is final (for a history with no send after the request).
 */

import type { Cap, Instant, QuietHours, SendRecord } from "../engine/types.ts";
import { capApplies, capReleaseAt, countedSends, type PacingRequest } from "./caps.ts";
import { clock, iso, periodInWords, quietHoursInWords } from "./pacing-detail.ts";
import { nextAllowedInstant, wallMsOfDay } from "./quiet-hours.ts";

/** What the pacing step needs. The caller has already removed caps the node is exempt from. */
export interface PaceInput {
  readonly caps: readonly Cap[];
  readonly history: readonly SendRecord[];
  readonly request: PacingRequest;
  readonly quietHours?: QuietHours;
  /** The subject's IANA zone, in which quiet hours are read. */
  readonly zone: string;
}

/**
 * The pacing verdict. `evidence` holds `cap:<id>` for every cap that limits the request when it
 * passes; when a cap fails, the ids of the failed caps and then `send:<ISO instant>` for each
 * send they counted (oldest first, once each); nothing for quiet hours. `capId` is the cap
 * whose release instant is latest (the first of them on a tie).
 */
export type PaceResult =
  | { readonly ok: true; readonly evidence: readonly string[]; readonly detail: string }
  | {
      readonly ok: false;
      readonly reason: "cap_reached" | "quiet_hours";
      readonly deferUntil: Instant;
      readonly capId?: string;
      readonly evidence: readonly string[];
      readonly detail: string;
    };

const MINUTE_MS = 60_000;
const NO_EVIDENCE: readonly string[] = Object.freeze([]);

/**
 * Whether the request may go now under its caps and quiet hours, and if not, the earliest
 * instant it may. Quiet hours in mode `drop` give the same answer: the engine turns it into a
 * suppression.
 *
 * @example
 * pace({ caps: [{ id: "daily", scope: "node", max: 1, periodMs: 86_400_000, counts: "all" }],
 *   history: [send], request, zone: "Europe/London" })
 * // { ok: false, reason: "cap_reached", deferUntil: send.at + 86_400_000, capId: "daily", ... }
 */
export function pace(input: PaceInput): PaceResult {
  const { caps, history, request } = input;
  let releaseAt = Number.NEGATIVE_INFINITY;
  let binding: Cap | undefined;
  for (const cap of caps) {
    const release = capReleaseAt(cap, history, request);
    if (release !== undefined && release > releaseAt) {
      releaseAt = release;
      binding = cap;
    }
  }
  if (binding !== undefined) return capReached(input, binding, releaseAt);

  const quietHours = input.quietHours;
  if (quietHours === undefined) return admitted(input);
  const allowedAt = nextAllowedInstant(quietHours, input.zone, request.at);
  return allowedAt === request.at ? admitted(input) : quiet(input, quietHours, allowedAt);
}

function admitted(input: PaceInput): PaceResult {
  const evidence: string[] = [];
  let detail = "";
  for (const cap of input.caps) {
    if (!capApplies(cap, input.request)) continue;
    evidence.push(capEvidence(cap));
    detail += detail === "" ? `within caps ${cap.id}` : `, ${cap.id}`;
  }
  if (detail === "") detail = "no cap applies";
  if (input.quietHours !== undefined) detail += "; outside quiet hours";
  return { ok: true, evidence, detail };
}

/**
 * `cap:<id>`, built once per cap: caps are immutable once loaded, and the string was rebuilt
 * for every cap on every admitted request.
 */
const capEvidenceMemo = new WeakMap<Cap, string>();

function capEvidence(cap: Cap): string {
  let evidence = capEvidenceMemo.get(cap);
  if (evidence === undefined) {
    evidence = `cap:${cap.id}`;
    capEvidenceMemo.set(cap, evidence);
  }
  return evidence;
}

function quiet(input: PaceInput, quietHours: QuietHours, deferUntil: Instant): PaceResult {
  const { zone, request } = input;
  const detail =
    `${quietHoursInWords(quietHours, zone)}: local time ${localClock(zone, request.at)}, ` +
    `allowed from ${localClock(zone, deferUntil)}`;
  return { ok: false, reason: "quiet_hours", deferUntil, evidence: NO_EVIDENCE, detail };
}

function capReached(input: PaceInput, binding: Cap, releaseAt: Instant): PaceResult {
  const { quietHours, zone } = input;
  const { evidence, reasons } = failedCaps(input);
  const deferUntil =
    quietHours === undefined ? releaseAt : nextAllowedInstant(quietHours, zone, releaseAt);
  if (quietHours !== undefined && deferUntil !== releaseAt) {
    reasons.push(`${quietHoursInWords(quietHours, zone)} move it to ${iso(deferUntil)}`);
  }

  const detail = reasons.join("; ");
  return { ok: false, reason: "cap_reached", deferUntil, capId: binding.id, evidence, detail };
}

/** Evidence (failed caps, then the sends they counted, once each, oldest first) and words. */
function failedCaps(input: PaceInput): { evidence: string[]; reasons: string[] } {
  const { caps, history, request } = input;
  const evidence: string[] = [];
  const reasons: string[] = [];
  const sends: Instant[] = [];
  for (const cap of caps) {
    const max = cap.max;
    if (max === undefined || !capApplies(cap, request)) continue;
    const counted = countedSends(cap, history, request);
    // The send whose leaving admits the request, s₍ₖ₋ₘ₊₁₎ in caps.ts; none when the cap passes.
    const releasing = counted[counted.length - max];
    if (releasing === undefined) continue;

    for (const send of counted) if (!sends.includes(send.at)) sends.push(send.at);
    evidence.push(capEvidence(cap));
    reasons.push(capInWords(cap, max, counted.length, releasing.at + cap.periodMs));
  }

  sends.sort((a, b) => a - b);
  for (const at of sends) evidence.push(`send:${iso(at)}`);
  return { evidence, reasons };
}

function capInWords(cap: Cap, max: number, count: number, release: Instant): string {
  return (
    `cap ${cap.id} (${cap.scope}) reached: ${count} send${count === 1 ? "" : "s"} counted, ` +
    `max ${max} per ${periodInWords(cap.periodMs)}; admits again at ${iso(release)}`
  );
}

function localClock(zone: string, at: Instant): string {
  return clock(wallMsOfDay(zone, at) / MINUTE_MS);
}
