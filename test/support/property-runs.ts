/**
 * Runs per fast-check property: `PROPERTY_RUNS` (default 10,000, what CI uses). A value that
 * is not a whole number of at least 1 stops the tests instead of running almost nothing.
 */
export function propertyRuns(): number {
  const raw = process.env.PROPERTY_RUNS ?? "10000";
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`PROPERTY_RUNS must be a whole number of at least 1, got "${raw}"`);
  }
  return runs;
}
