/**
 * Durable timers: the moments a time-triggered node waits for. A timer is created, moved and
 * cancelled in the transaction of the event that causes it, and fires once, at its instant,
 * walking the whole pipeline like an event (DESIGN.md, "Triggers").
 */

import type { TimerSpec } from "../engine/node.ts";
import type { Instant } from "../engine/types.ts";

export type TimerKind = TimerSpec["kind"];

/**
 * `pending` until it fires; `cancelled` by an `unless` event or a removed date; `moved` when a
 * newer start or a changed date replaced it with another timer.
 */
export type TimerStatus = "pending" | "fired" | "cancelled" | "moved";

export interface Timer {
  readonly timerId: string;
  readonly subjectId: string;
  readonly nodeId: string;
  readonly kind: TimerKind;
  readonly dueAt: Instant;
  /** The event that started it (after a delay) or that set the date it counts from. */
  readonly eventId: string;
  /** When that event happened: an `unless` event cancels only if it comes after this. */
  readonly causeAt: Instant;
  /** Why it exists, in words a person reads (ids only, never a value of personal data). */
  readonly why: string;
  readonly createdAt: Instant;
  readonly status: TimerStatus;
  /** When it fired, or was cancelled or moved. */
  readonly settledAt?: Instant;
}

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
] as const;

/**
 * A duration as a playbook writes it, in the largest unit that divides it.
 *
 * @example durationWords(7_776_000_000) // "90d"
 */
export function durationWords(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Why a timer of this spec exists, for the listing and the explanation. Ids and names only: the
 * date itself is the subject's data and stays in the profile.
 *
 * @example timerWhy(spec, "e-1") // "3d after claim.opened e-1, unless claim.closed first"
 */
export function timerWhy(spec: TimerSpec, eventId: string): string {
  if (spec.kind === "delay") {
    const unless = spec.unless.length === 0 ? "" : `, unless ${spec.unless.join(" or ")} first`;
    return `${durationWords(spec.delayMs)} after ${spec.event} ${eventId}${unless}`;
  }
  return `${durationWords(spec.offsetMs)} ${spec.side} ${spec.attribute} (set by ${eventId})`;
}

/** The instant of a date attribute's value (epoch ms, or an ISO string), if it is one. */
export function dateValue(value: unknown): Instant | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}
