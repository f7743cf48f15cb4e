import type { DecisionSummary } from "../app/assent-app.ts";

/** Firings later than this are worth a log line (a service that was down, a slow tick). */
export const LATE_FIRING_MS = 1_000;

/** How many of a tick's decisions came from timers that fired late, and the latest lateness. */
export interface LateFirings {
  readonly late: number;
  readonly maxLateMs: number;
}

/**
 * The late timer firings among a tick's decisions, for the service's log: counts and the
 * largest lateness only, never a subject. Undefined when nothing fired late.
 */
export function lateFirings(decisions: readonly DecisionSummary[]): LateFirings | undefined {
  let late = 0;
  let maxLateMs = 0;
  for (const { timer } of decisions) {
    if (timer === undefined || timer.firedLateByMs <= LATE_FIRING_MS) continue;
    late += 1;
    maxLateMs = Math.max(maxLateMs, timer.firedLateByMs);
  }
  return late === 0 ? undefined : { late, maxLateMs };
}
