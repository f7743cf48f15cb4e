import type { Instant } from "../engine/types.ts";
import { activeMinute, HOUR, MINUTE, officeMinute, SimClock } from "./clock.ts";
import type { SimSubject } from "./population.ts";
import { Timeline } from "./timeline.ts";
import type { SimulationOptions } from "./types.ts";

/** Where the company's staff work: office-hour actions happen on this clock. */
const OFFICE_ZONE = "Europe/Amsterdam";

/** One run: its calendar, its pending items, and the moments models schedule things at. */
export class Sim {
  readonly clock: SimClock;
  readonly timeline: Timeline;

  constructor(readonly options: SimulationOptions) {
    this.clock = new SimClock(options.start, options.days);
    this.timeline = new Timeline(this.clock);
  }

  get days(): number {
    return this.options.days;
  }

  /**
   * When a nightly import of existing customers reaches this subject: subjects are spread over
   * the first hour of day 0 in index order, leaving each a few milliseconds for its records.
   */
  importAt(subject: SimSubject): Instant {
    return this.clock.start + Math.floor((subject.index * HOUR) / this.options.subjects);
  }

  /** A plausible local instant for the subject to act on `day`, after `after` if given. */
  activeAt(subject: SimSubject, day: number, after?: Instant): Instant {
    const at = this.clock.localAt(day, subject.zone, activeMinute(subject.random));
    return after === undefined || at > after ? at : after + this.shortPause(subject);
  }

  /** An instant in office hours on `day` (company time), after `after` if given. */
  officeAt(subject: SimSubject, day: number, after?: Instant): Instant {
    const at = this.clock.localAt(day, OFFICE_ZONE, officeMinute(subject.random));
    return after === undefined || at > after ? at : after + this.shortPause(subject);
  }

  /**
   * When a daily job reports on this subject: `minute` minutes after the day's start plus a
   * per-run jitter of up to a quarter of an hour, as batch jobs do.
   */
  jobAt(subject: SimSubject, day: number, minute: number): Instant {
    return (
      this.clock.dayStart(day) + minute * MINUTE + Math.floor(subject.random.next() * 15 * MINUTE)
    );
  }

  /** A uniformly chosen day from `from` to the last day, or undefined if none is left. */
  dayFrom(subject: SimSubject, from: number): number | undefined {
    const first = Math.max(0, from);
    return first < this.days ? subject.random.int(first, this.days - 1) : undefined;
  }

  /** The day holding `at` plus `delayMs`, then a plausible local instant on that day after it. */
  activeAfter(subject: SimSubject, at: Instant, delayMs: number): Instant {
    const earliest = at + delayMs;
    return this.activeAt(subject, this.clock.dayOf(earliest), earliest);
  }

  private shortPause(subject: SimSubject): number {
    return Math.floor(subject.random.logNormal(20 * MINUTE, 0.8));
  }
}
