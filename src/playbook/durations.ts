/**
 * Durations and wall-clock times as written in catalog, policy and playbook files.
 */

const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
} as const;

type Unit = keyof typeof UNIT_MS;

/** A duration: a whole number and one unit, `30s`, `15m`, `24h`, `7d` or `52w`. */
export const DURATION_PATTERN = /^[0-9]+[smhdw]$/;

/** A retention period: a duration, or whole years from `1y` to `10y`. */
export const RETENTION_PATTERN = /^(?:[0-9]+[smhdw]|(?:[1-9]|10)y)$/;

/** A duration whose number is zero, such as `0d`. */
export const ZERO_DURATION_PATTERN = /^0+[smhdwy]$/;

/** A duration that is not zero, for windows and freshness limits. */
export const POSITIVE_DURATION_PATTERN = /^0*[1-9][0-9]*[smhdw]$/;

/** Wall-clock time `HH:MM`, 00:00 to 23:59. */
export const CLOCK_PATTERN = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;

/**
 * Milliseconds in a duration or retention period; `undefined` when it is not one.
 *
 * @example parseDuration("7d") // 604800000
 */
export function parseDuration(text: string): number | undefined {
  const match = /^([0-9]+)([a-z])$/.exec(text);
  const unit = match?.[2];
  if (!match?.[1] || unit === undefined || !isUnit(unit)) return undefined;

  return Number(match[1]) * UNIT_MS[unit];
}

function isUnit(letter: string): letter is Unit {
  return Object.hasOwn(UNIT_MS, letter);
}

/**
 * Minutes after midnight of a wall-clock time `HH:MM`; `undefined` when it is not one.
 *
 * @example parseClock("21:30") // 1290
 */
export function parseClock(text: string): number | undefined {
  if (!CLOCK_PATTERN.test(text)) return undefined;

  const [hours, minutes] = text.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** Milliseconds in a duration already validated by the schema. */
export function durationMs(text: string): number {
  return parseDuration(text) ?? 0;
}
