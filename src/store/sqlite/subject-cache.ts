import type {
  AssentEvent,
  AttributeState,
  AttributeValue,
  Channel,
  ConsentRecord,
  ConsentView,
  Instant,
  Profile,
  SendRecord,
} from "../../engine/types.ts";
import type { Timer } from "../../timers/timer.ts";

/** Sends read at or after `since`, in the order the query returned them. */
export interface CachedSends {
  readonly since: Instant;
  readonly records: readonly SendRecord[];
}

/** The views a subject's cache holds: each undefined until read (or after a write dropped it). */
export interface CachedViews {
  readonly profile: Profile | undefined;
  readonly consent: ConsentView | undefined;
  readonly sends: CachedSends | undefined;
  /** Pending timers, soonest first (by due instant, then id), as a read returns them. */
  readonly timers: readonly Timer[] | undefined;
}

/**
 * What one subject's part of a transaction has read, kept for the rest of the transaction so a
 * subject with several events in one group commit is read once (and, through `SubjectMemory`,
 * in later transactions). The transaction holds SQLite's write lock and this subject's part is
 * its only writer of the subject's rows, so the cache can only go stale through the part's own
 * writes: attribute writes update it (by the upsert's own rule), every other write drops the
 * view it touches before writing. Values handed out are never changed afterwards; an update
 * builds a new profile.
 */
export class SubjectCache {
  #profile: Profile | undefined;
  #consent: ConsentView | undefined;
  #sends: CachedSends | undefined;
  #timers: readonly Timer[] | undefined;

  /** Starts from views read earlier (by a committed transaction), or from nothing. */
  constructor(views?: CachedViews) {
    this.#profile = views?.profile;
    this.#consent = views?.consent;
    this.#sends = views?.sends;
    this.#timers = views?.timers;
  }

  /** The views as they stand, to remember once the transaction has committed. */
  views(): CachedViews {
    const timers = this.#timers;
    return { profile: this.#profile, consent: this.#consent, sends: this.#sends, timers };
  }

  pendingTimers(read: () => Timer[]): Timer[] {
    this.#timers ??= read();
    return [...this.#timers];
  }

  /** A timer the part created: pending, in its place in the soonest-first order. */
  timerCreated(timer: Timer): void {
    if (this.#timers === undefined) return;
    const created = pendingTimer(timer);
    const after = (other: Timer) => bySoonest(other, created) > 0;
    const index = this.#timers.findIndex(after);
    const timers = [...this.#timers];
    timers.splice(index === -1 ? timers.length : index, 0, created);
    this.#timers = timers;
  }

  /** A timer the part moved out of pending. */
  timerSettled(timerId: string): void {
    this.#timers = this.#timers?.filter((timer) => timer.timerId !== timerId);
  }

  profile(read: () => Profile): Profile {
    this.#profile ??= read();
    return this.#profile;
  }

  consentView(read: () => ConsentView): ConsentView {
    this.#consent ??= read();
    return this.#consent;
  }

  /** Sends at or after `since`: filtered from an earlier, wider read when there is one. */
  sends(since: Instant, read: () => SendRecord[]): SendRecord[] {
    const cached = this.#sends;
    if (cached !== undefined && cached.since <= since) {
      return cached.records.filter((send) => send.at >= since);
    }
    const records = read();
    this.#sends = { since, records };
    return [...records];
  }

  /** Drops the profile until the caller hands back its updated form (see `applyAttributes`). */
  takeProfile(): Profile | undefined {
    const profile = this.#profile;
    this.#profile = undefined;
    return profile;
  }

  /**
   * Keeps `before` (taken before the writes) with the attributes `event` wrote, where the upsert
   * let them in. A new attribute name puts the names back in the order a fresh read returns them:
   * the table's key order (SQLite compares TEXT as bytes of UTF-8).
   */
  applyAttributes(
    before: Profile | undefined,
    event: AssentEvent,
    written: readonly (readonly [string, string])[],
  ): void {
    if (before === undefined) return;
    let next = new Map(before);
    for (const [name, json] of written) {
      if (!upsertWins(next.get(name), event)) continue;
      const value: AttributeValue = JSON.parse(json);
      const { occurredAt: updatedAt, id: eventId, source } = event;
      next.set(name, { value, updatedAt, eventId, source });
    }
    if (written.some(([name]) => !before.has(name))) next = inKeyOrder(next);
    this.#profile = next;
  }

  forgetConsent(): void {
    this.#consent = undefined;
  }

  /**
   * A record the part stored, in the view's place for it: after every record captured at or
   * before it (a read orders by capture instant, then by insertion).
   */
  consentAppended(stored: () => ConsentRecord): void {
    const view = this.#consent;
    if (view === undefined) return;
    const record = stored();
    const records = [...view.records];
    const index = records.findIndex((other) => other.capturedAt > record.capturedAt);
    records.splice(index === -1 ? records.length : index, 0, record);
    this.#consent = { ...view, records };
  }

  /** A contact point the part set, with the contacts in channel order as a read gives them. */
  contactSet(channel: Channel, jurisdiction: string): void {
    const view = this.#consent;
    if (view === undefined) return;
    const entries = Object.entries({ ...view.contacts, [channel]: { jurisdiction } });
    const contacts = Object.fromEntries(entries.sort(([a], [b]) => byUtf8(a, b)));
    this.#consent = { ...view, contacts };
  }

  forgetSends(): void {
    this.#sends = undefined;
  }

  /** After an erasure: every view is read afresh. */
  forgetAll(): void {
    this.#profile = undefined;
    this.#consent = undefined;
    this.#sends = undefined;
    this.#timers = undefined;
  }
}

/** A pending timer as a read gives it back (`timerOf`): its own copy, in the same shape. */
function pendingTimer(timer: Timer): Timer {
  const { timerId, subjectId, nodeId, kind, dueAt, eventId, causeAt, why, createdAt } = timer;
  return {
    timerId,
    subjectId,
    nodeId,
    kind,
    dueAt,
    eventId,
    causeAt,
    why,
    createdAt,
    status: "pending",
  };
}

/** `ORDER BY due_at, timer_id`. */
function bySoonest(a: Timer, b: Timer): number {
  return a.dueAt - b.dueAt || byUtf8(a.timerId, b.timerId);
}

/** A profile with its names in the order of the attributes table's primary key. */
function inKeyOrder(profile: Profile): Map<string, AttributeState> {
  return new Map([...profile].sort(([a], [b]) => byUtf8(a, b)));
}

/** Below the surrogates, UTF-16 order is code point order, which is UTF-8 byte order. */
const BEYOND_SURROGATES = /[\uD800-\uFFFF]/;

function byUtf8(a: string, b: string): number {
  if (!BEYOND_SURROGATES.test(a) && !BEYOND_SURROGATES.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The attribute upsert's WHERE clause (write-statements.ts) in TypeScript: a newer event wins;
 * on a tie, the larger event id wins, compared as SQLite compares TEXT (bytes of UTF-8).
 */
function upsertWins(current: AttributeState | undefined, event: AssentEvent): boolean {
  if (current === undefined) return true;
  if (event.occurredAt !== current.updatedAt) return event.occurredAt > current.updatedAt;
  const currentId = Buffer.from(current.eventId ?? "", "utf8");
  return Buffer.compare(Buffer.from(event.id, "utf8"), currentId) >= 0;
}
