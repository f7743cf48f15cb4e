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
    evidence.push(`cap:${cap.id}`);
    detail += detail === "" ? `within caps ${cap.id}` : `, ${cap.id}`;
  }
  if (detail === "") detail = "no cap applies";

  const quietHours = input.quietHours;
  if (quietHours !== undefined) detail += `; outside ${quietHoursInWords(quietHours, input.zone)}`;
  return { ok: true, evidence, detail };
}

function quiet(input: PaceInput, quietHours: QuietHours, deferUntil: Instant): PaceResult {
  const local = clock(wallMsOfDay(input.zone, input.request.at) / MINUTE_MS);
  const detail =
    `${quietHoursInWords(quietHours, input.zone)} (local time ${local}); ` +
    `allowed from ${iso(deferUntil)}`;
  return { ok: false, reason: "quiet_hours", deferUntil, evidence: [], detail };
}

function capReached(input: PaceInput, binding: Cap, releaseAt: Instant): PaceResult {
  const { history, request, quietHours } = input;
  const failed = input.caps.filter((cap) => capReleaseAt(cap, history, request) !== undefined);
  const deferUntil =
    quietHours === undefined ? releaseAt : nextAllowedInstant(quietHours, input.zone, releaseAt);

  const sends = new Set<Instant>();
  const reasons: string[] = [];
  for (const cap of failed) {
    const counted = countedSends(cap, history, request);
    for (const send of counted) sends.add(send.at);
    reasons.push(capInWords(cap, counted.length, capReleaseAt(cap, history, request)));
  }
  if (quietHours !== undefined && deferUntil !== releaseAt) {
    reasons.push(`${quietHoursInWords(quietHours, input.zone)} move it to ${iso(deferUntil)}`);
  }

  const sendIds = [...sends].sort((a, b) => a - b).map((at) => `send:${iso(at)}`);
  const evidence = [...failed.map((cap) => `cap:${cap.id}`), ...sendIds];
  return {
    ok: false,
    reason: "cap_reached",
    deferUntil,
    capId: binding.id,
    evidence,
    detail: reasons.join("; "),
  };
}

function capInWords(cap: Cap, count: number, release: Instant | undefined): string {
  const until = release === undefined ? "" : `; admits again at ${iso(release)}`;
  return (
    `cap ${cap.id} (${cap.scope}) reached: ${count} sends counted, ` +
    `max ${cap.max ?? "none"} per ${periodInWords(cap.periodMs)}${until}`
  );
}
