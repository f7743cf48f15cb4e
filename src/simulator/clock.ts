import { IANAZone } from "luxon";
import type { Instant } from "../engine/types.ts";
import type { Random } from "./random.ts";

/** Durations in milliseconds. */
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const MINUTES_PER_DAY = 24 * 60;

/**
 * The simulated calendar. Day `d` is the window [start + d·24h, start + (d+1)·24h); every item
 * generated for a day falls inside its window, which is what lets the simulator sort one day at
 * a time and still yield a stream sorted by instant.
 */
export class SimClock {
  private readonly offsets = new Map<string, number[]>();

  constructor(
    readonly start: Instant,
    readonly days: number,
  ) {}

  dayStart(day: number): Instant {
    return this.start + day * DAY;
  }

  /** The day whose window holds `at` (negative before the start). */
  dayOf(at: Instant): number {
    return Math.floor((at - this.start) / DAY);
  }

  /** The last instant of day `day`'s window. */
  dayEnd(day: number): Instant {
    return this.dayStart(day + 1) - 1;
  }

  /**
   * The instant inside day `day`'s window when the wall clock in `zone` reads `minute` minutes
   * after midnight. Each wall-clock minute occurs once in any 24 hours, so there is always one;
   * the zone's offset is taken at the middle of the window, which is right on all but the day of
   * a DST change.
   */
  localAt(day: number, zone: string, minute: number): Instant {
    const windowStart = this.dayStart(day);
    const startMinute = Math.floor((((windowStart % DAY) + DAY) % DAY) / MINUTE);
    const local = startMinute + this.offset(zone, day);
    const ahead = (((minute - local) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    return windowStart + Math.floor(ahead * MINUTE);
  }

  private offset(zone: string, day: number): number {
    let table = this.offsets.get(zone);
    if (table === undefined) {
      table = [];
      this.offsets.set(zone, table);
    }
    const cached = table[day];
    if (cached !== undefined) return cached;
    const offset = IANAZone.create(zone).offset(this.dayStart(day) + DAY / 2);
    table[day] = Number.isFinite(offset) ? offset : 0;
    return table[day] ?? 0;
  }
}

/** Relative weight of each local hour for things people do (sign up, call, buy, reply). */
const ACTIVE_HOURS = [
  1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 7, 8, 8, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 4, 2,
] as const;

/** Relative weight of each local hour for things staff do (review a claim, resolve a ticket). */
const OFFICE_HOURS = [
  0, 0, 0, 0, 0, 0, 0, 0.5, 4, 8, 9, 9, 6, 8, 9, 9, 8, 5, 1, 0, 0, 0, 0, 0,
] as const;

const ACTIVE_ENTRIES = ACTIVE_HOURS.map((weight, hour) => [hour, weight] as const);
const OFFICE_ENTRIES = OFFICE_HOURS.map((weight, hour) => [hour, weight] as const);

/** A local minute of the day at which a person plausibly acts. */
export function activeMinute(random: Random): number {
  return random.weighted(ACTIVE_ENTRIES) * 60 + random.next() * 60;
}

/** A local minute of the day within office hours. */
export function officeMinute(random: Random): number {
  return random.weighted(OFFICE_ENTRIES) * 60 + random.next() * 60;
}
