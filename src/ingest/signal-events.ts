/**
 * Consent signals that arrive with events — the Global Privacy Control signal (`Sec-GPC: 1`
 * or a GPC field) and an IAB TCF v2 string — become built-in signal events placed just before
 * the event they came with: they are validated, deduplicated and committed with it, and they
 * are in the ledger before its decisions are taken.
 */

import { counted } from "../app/counted.ts";
import { AppError } from "../app/errors.ts";
import type { EventInput } from "./input-schema.ts";

/** The event a signal came with: its id, subject, time and source. */
export type Carrier = Pick<EventInput, "id" | "subjectId" | "occurredAt" | "source">;

/**
 * Whether a `Sec-GPC` header value is the signal. Only `1` is defined; anything else, and no
 * header, expresses no preference (which is not consent either).
 *
 * @example gpcHeader("1") // true
 */
export function gpcHeader(value: string | readonly string[] | undefined): boolean {
  return (Array.isArray(value) ? value[0] : value)?.trim() === "1";
}

/** The `gpc.signal` event for the GPC signal that came with `carrier`. */
export function gpcSignal(carrier: Carrier): EventInput {
  return signal(carrier, "gpc", "gpc.signal", {});
}

/** The `tcf.signal` event for a TC string that came with `carrier`. */
export function tcfSignal(carrier: Carrier, tcString: string): EventInput {
  return signal(carrier, "tcf", "tcf.signal", { tcString });
}

function signal(carrier: Carrier, suffix: string, type: string, data: EventInput["data"]) {
  return {
    id: `${carrier.id}/${suffix}`,
    type,
    schemaVersion: 1,
    subjectId: carrier.subjectId,
    occurredAt: carrier.occurredAt,
    source: carrier.source,
    data,
  };
}

/** Events with the signals inserted, and where each came from in the request. */
export interface WithSignals {
  readonly events: EventInput[];
  /** The pointer base of each event: the request's own event, or the one a signal came with. */
  readonly pointerBase: (index: number) => string;
  /** The index in `events` of each of the request's own events, in order. */
  readonly own: readonly number[];
}

/** The outcomes of the request's own events, leaving out those of the signals inserted. */
export function ownOutcomes<T>(outcomes: readonly T[], own: readonly number[]): T[] {
  return own.flatMap((index) => {
    const outcome = outcomes[index];
    return outcome === undefined ? [] : [outcome];
  });
}

/**
 * The app's refusal counted over what the sender wrote: the signal events inserted beside a
 * request's own events are not the sender's, so "1 field is wrong in 2 events" for one event
 * sent with `Sec-GPC: 1` becomes "… in 1 event" (or "… in 1 CloudEvent").
 *
 * @example ownRefusal(error, 1, "CloudEvent")
 */
export function ownRefusal(error: AppError, count: number, noun: string): AppError {
  const own = ` in ${counted(count, noun)};`;
  const message = error.message.replace(/ in \d+ events?;/, own);
  return new AppError(error.code, message, error.fields);
}

/**
 * A request's events with a `gpc.signal` before the first event of each subject, for a request
 * sent with `Sec-GPC: 1`. Pointers of problems still name the request's own events.
 *
 * @example withGpc(events, true, (index) => `/events/${index}`)
 */
export function withGpc(
  events: readonly EventInput[],
  gpc: boolean,
  base: (index: number) => string,
): WithSignals {
  if (!gpc) return { events: [...events], pointerBase: base, own: events.map((_, index) => index) };
  const seen = new Set<string>();
  const out: EventInput[] = [];
  const origin: number[] = [];
  const own: number[] = [];
  events.forEach((event, index) => {
    if (!seen.has(event.subjectId)) {
      seen.add(event.subjectId);
      out.push(gpcSignal(event));
      origin.push(index);
    }
    out.push(event);
    origin.push(index);
    own.push(out.length - 1);
  });
  return { events: out, pointerBase: (index) => base(origin[index] ?? index), own };
}
