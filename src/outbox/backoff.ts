/**
 * How long to wait before retrying a transient failure: exponential with full jitter, capped,
 * and a limit on attempts after which the delivery fails for good.
 */
export interface BackoffPolicy {
  /** The ceiling of the first wait. At least 1. */
  readonly baseMs: number;
  /** No wait is longer. At least `baseMs`. */
  readonly capMs: number;
  /** Attempts in all, the first included; the last transient failure is recorded as permanent. */
  readonly maxAttempts: number;
}

/** Doubling the base more often than this already passes any useful cap; it keeps 2^n finite. */
const MAX_DOUBLINGS = 52;

/**
 * The longest wait after the `attempt`-th attempt (1-based): `min(capMs, baseMs · 2^(attempt-1))`.
 *
 * @example backoffCeiling(3, { baseMs: 1000, capMs: 60_000, maxAttempts: 8 }) // 4000
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), MAX_DOUBLINGS);
  return Math.min(policy.capMs, policy.baseMs * 2 ** doublings);
}

/**
 * The wait after the `attempt`-th attempt: a uniform draw in [0, ceiling) ("full jitter"), so
 * that the retries of many deliveries that failed together spread out instead of arriving at
 * the peer in waves. `random` returns a number in [0, 1), like `Math.random`.
 *
 * @example backoffDelay(3, policy, () => 0.5) // 2000 with baseMs 1000
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * backoffCeiling(attempt, policy));
}

/**
 * Throws when the policy cannot work (a zero base never grows, a cap below the base, no attempt).
 *
 * @example checkBackoff({ baseMs: 500, capMs: 300_000, maxAttempts: 10 })
 */
export function checkBackoff(policy: BackoffPolicy): void {
  if (!Number.isInteger(policy.baseMs) || policy.baseMs < 1) {
    throw new RangeError("backoff baseMs must be an integer of at least 1");
  }
  if (!Number.isInteger(policy.capMs) || policy.capMs < policy.baseMs) {
    throw new RangeError("backoff capMs must be an integer of at least baseMs");
  }
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError("backoff maxAttempts must be an integer of at least 1");
  }
}
