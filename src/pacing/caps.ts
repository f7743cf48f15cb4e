/**
 * Frequency caps over sliding windows.
 *
 * A send at instant s counts against a request at t exactly when t − period < s ≤ t (and the
 * cap counts that send, below). A cap of max m that counts k ≥ m sends (s₁ ≤ … ≤ sₖ) admits the
 * request again at s₍ₖ₋ₘ₊₁₎ + period, the exact instant enough sends have left the window for
 * one more to fit. As time moves forward with no new sends, sends only leave windows, so the
 * cap admits the request at every later instant too.
 *
 * What a cap counts:
 * - scope `node`: sends of the request's node;
 * - scope `channel`: sends on `cap.channel`, or, when the cap names none, on the request's
 *   channel (one budget per channel);
 * - scope `global`: every send;
 * - a cap that names a channel (any scope) counts only sends on it and limits only requests
 *   on it;
 * - counts `marketing` ignores sends on a service basis and does not limit requests on one;
 *   counts `all` counts them.
 */

import type { Cap, Channel, Instant, LawfulBasis, SendRecord } from "../engine/types.ts";

/** A send that the engine is about to make, as pacing sees it. */
export interface PacingRequest {
  readonly at: Instant;
  readonly channel: Channel;
  readonly nodeId: string;
  readonly basis: LawfulBasis;
}

/**
 * Whether a message on `basis` is a service message, which marketing caps neither count nor
 * limit. "Messages sent on basis `contract` (service messages) do not count against marketing
 * caps unless a cap says so"; legal obligations, vital interests and public tasks serve the
 * subject by the same reasoning. A switch rather than a keyed lookup: it runs once per send in
 * the hot path, and the exhaustive `never` makes a new basis fail to compile until classified.
 *
 * @example isServiceBasis("contract") // true
 */
export function isServiceBasis(basis: LawfulBasis): boolean {
  switch (basis) {
    case "contract":
    case "legal_obligation":
    case "vital_interests":
    case "public_task":
      return true;
    case "consent":
    case "legitimate_interests":
      return false;
    default:
      return unclassified(basis);
  }
}

function unclassified(basis: never): boolean {
  throw new RangeError(`unclassified lawful basis: ${String(basis)}`);
}

/**
 * Whether `cap` limits `request` at all (whatever the history).
 *
 * @example capApplies({ id: "mkt", scope: "global", periodMs: 1, counts: "marketing" },
 *   { at: 0, channel: "email", nodeId: "receipt", basis: "contract" }) // false
 */
export function capApplies(cap: Cap, request: PacingRequest): boolean {
  if (cap.counts === "marketing" && isServiceBasis(request.basis)) return false;
  return cap.channel === undefined || cap.channel === request.channel;
}

/**
 * The instant at which this cap would admit the request, or undefined if it admits it now.
 * A cap with no maximum, or one that does not apply to the request, always admits it. Throws a
 * `RangeError` for a maximum that is not a positive integer (the loader refuses those).
 *
 * @example
 * // 3 per 7 days, sends on 6, 7 and 8 January 09:00Z: a request on the 9th waits until the
 * // send of the 6th leaves the window, on the 13th at 09:00Z.
 * capReleaseAt(weekly3, sends, { at: Date.parse("2025-01-09T09:00Z"), ...rest })
 * // Date.parse("2025-01-13T09:00Z")
 */
export function capReleaseAt(
  cap: Cap,
  history: readonly SendRecord[],
  request: PacingRequest,
): Instant | undefined {
  const max = cap.max;
  if (max === undefined || !capApplies(cap, request)) return undefined;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`cap ${cap.id}: max ${max}`);

  // One pass: the count and the oldest counted send settle every case but k > m.
  const channel = countedChannel(cap, request);
  const after = request.at - cap.periodMs;
  let count = 0;
  let oldest = Number.POSITIVE_INFINITY;
  for (const send of history) {
    if (send.at <= after || send.at > request.at || !counts(cap, channel, request, send)) continue;
    count++;
    if (send.at < oldest) oldest = send.at;
  }

  if (count < max) return undefined;
  if (count === max) return oldest + cap.periodMs;
  return sortedAt(countedSends(cap, history, request), count - max) + cap.periodMs;
}

/**
 * The sends `cap` counts against `request` (in its window), oldest first. For explanations;
 * it allocates, so the hot path avoids it.
 */
export function countedSends(
  cap: Cap,
  history: readonly SendRecord[],
  request: PacingRequest,
): SendRecord[] {
  const channel = countedChannel(cap, request);
  const after = request.at - cap.periodMs;
  const counted = history.filter(
    (send) => send.at > after && send.at <= request.at && counts(cap, channel, request, send),
  );
  return counted.sort((a, b) => a.at - b.at);
}

/** The channel whose sends the cap counts, if it counts only one. */
function countedChannel(cap: Cap, request: PacingRequest): Channel | undefined {
  if (cap.channel !== undefined) return cap.channel;
  return cap.scope === "channel" ? request.channel : undefined;
}

/** Whether `cap` counts `send` against `request`, time apart. */
function counts(
  cap: Cap,
  channel: Channel | undefined,
  request: PacingRequest,
  send: SendRecord,
): boolean {
  if (cap.counts === "marketing" && isServiceBasis(send.basis)) return false;
  if (channel !== undefined && send.channel !== channel) return false;
  return cap.scope !== "node" || send.nodeId === request.nodeId;
}

function sortedAt(sends: readonly SendRecord[], index: number): Instant {
  const send = sends[index];
  if (send === undefined) throw new RangeError(`no counted send at index ${index}`);
  return send.at;
}
