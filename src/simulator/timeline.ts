import type {
  AttributeValue,
  Channel,
  ConsentRecord,
  Instant,
  SuppressionRecord,
} from "../engine/types.ts";
import type { SimClock } from "./clock.ts";
import { MINUTE, SECOND } from "./clock.ts";
import type { SimSubject } from "./population.ts";
import type { SimItem } from "./types.ts";

/** Attribute values an event carries, keyed by catalog attribute name. */
export type EventData = Readonly<Record<string, AttributeValue>>;

/** An item before it has its id: ids follow the final order of the stream. */
export type Draft =
  | {
      readonly kind: "event";
      readonly at: Instant;
      readonly subjectId: string;
      readonly type: string;
      readonly source: string;
      readonly data: EventData;
      readonly lagMs: number;
    }
  | { readonly kind: "consent"; readonly at: Instant; readonly record: Omit<ConsentRecord, "id"> }
  | {
      readonly kind: "suppression";
      readonly at: Instant;
      readonly record: Omit<SuppressionRecord, "id">;
    }
  | Extract<SimItem, { kind: "gpc" | "contact" }>;

/**
 * Drafts waiting for their day. A model may schedule anything at or after the day being
 * generated (a ticket resolved two days later lands in that day's bucket); what falls past the
 * last day is outside the run and dropped.
 */
export class Timeline {
  private readonly buckets = new Map<number, Draft[]>();
  private today = 0;

  constructor(private readonly clock: SimClock) {}

  /** Removes and returns day `day`'s drafts in order of instant (ties keep insertion order). */
  take(day: number): Draft[] {
    const drafts = this.buckets.get(day) ?? [];
    this.buckets.delete(day);
    this.today = day + 1;
    return drafts.sort((left, right) => left.at - right.at);
  }

  /** An event from a system of record; Assent receives it a little after it happened. */
  event(subject: SimSubject, at: Instant, type: string, source: string, data: EventData): void {
    const lagMs = receiveLag(subject);
    this.add({ kind: "event", at, subjectId: subject.id, type, source, data, lagMs });
  }

  consent(at: Instant, record: Omit<ConsentRecord, "id">): void {
    this.add({ kind: "consent", at, record });
  }

  suppression(
    subject: SimSubject,
    at: Instant,
    record: Omit<SuppressionRecord, "id" | "subjectId">,
  ) {
    this.add({ kind: "suppression", at, record: { ...record, subjectId: subject.id } });
  }

  gpc(subject: SimSubject, at: Instant): void {
    this.add({ kind: "gpc", at, subjectId: subject.id });
  }

  contact(subject: SimSubject, at: Instant, channel: Channel, jurisdiction: string): void {
    this.add({ kind: "contact", at, subjectId: subject.id, channel, jurisdiction });
  }

  private add(draft: Draft): void {
    const day = this.clock.dayOf(draft.at);
    if (day < this.today) {
      throw new RangeError(`simulator scheduled ${draft.kind} on day ${day}, already emitted`);
    }
    if (day >= this.clock.days) return;
    const bucket = this.buckets.get(day);
    if (bucket === undefined) this.buckets.set(day, [draft]);
    else bucket.push(draft);
  }
}

/** Mostly seconds; now and then a batch that arrives minutes late, never more than half an hour. */
function receiveLag(subject: SimSubject): number {
  const random = subject.random;
  const lag = random.chance(0.05)
    ? random.logNormal(6 * MINUTE, 0.6)
    : random.logNormal(2 * SECOND, 0.8);
  return Math.max(1, Math.min(30 * MINUTE, Math.round(lag)));
}
