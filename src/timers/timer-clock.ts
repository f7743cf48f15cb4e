import type { Instant } from "../engine/types.ts";

/**
 * The service's clock for time passing: it ticks (fires due timers, re-decides due deferrals,
 * expires reviews) at least every `pollMs`, and wakes at the exact due instant of the next timer
 * when that comes sooner. Polling still matters: another process may add a timer at any time.
 */
export interface TimerClockOptions {
  readonly tick: (now: Instant) => Promise<unknown>;
  /** The due instant of the soonest pending timer, if any. */
  readonly nextDue: () => Promise<Instant | undefined>;
  readonly clock: () => Instant;
  readonly pollMs: number;
  /** Told of a failed tick; the clock goes on (a later tick retries what is still due). */
  readonly onError: (error: unknown) => void;
}

export interface TimerClock {
  /** Stops waking and waits for a tick in progress to finish. */
  stop(): Promise<void>;
}

/**
 * @example
 * const clock = startTimerClock({ tick: app.tick, nextDue: () => store.nextTimerDue(),
 *   clock: Date.now, pollMs: 1_000, onError: (error) => logger.warn({ error }, "tick failed") });
 */
export function startTimerClock(options: TimerClockOptions): TimerClock {
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const round = async () => {
    try {
      await options.tick(options.clock());
    } catch (error) {
      options.onError(error);
    }
    if (!stopped) handle = setTimeout(wake, await delay(options));
  };
  const wake = () => {
    running = round();
  };
  wake();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(handle);
      await running;
      clearTimeout(handle);
    },
  };
}

/** Milliseconds until the next timer is due, at most `pollMs`, at least 0. */
async function delay(options: TimerClockOptions): Promise<number> {
  try {
    const next = await options.nextDue();
    if (next === undefined) return options.pollMs;
    return Math.max(0, Math.min(options.pollMs, next - options.clock()));
  } catch (error) {
    options.onError(error);
    return options.pollMs;
  }
}
