/**
 * A Qini curve in the shape the uplift evaluation hands the report, for tests of the report
 * alone: the curve of a ranking that finds responsive subjects early (concave, ending where
 * random targeting ends).
 */
export function exampleQiniCurve(total = 1500, coefficient = 0.0123) {
  const points = Array.from({ length: 101 }, (_, index) => {
    const fraction = index / 100;
    return { fraction, incremental: total * (1 - (1 - fraction) ** 2) };
  });
  return { points, coefficient, outcome: "visit" };
}
