/**
 * The little linear algebra the outcome models need: solving a small symmetric positive
 * definite system (the Newton and ridge normal equations, a dozen unknowns) by Cholesky.
 */

/** A dense square matrix as rows. */
export type Matrix = number[][];

/** An n × n matrix of zeros. */
export function zeros(n: number): Matrix {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

/**
 * Solves A·x = b for a symmetric positive definite A (only its lower triangle is read).
 * Throws when A is not positive definite, which a ridge penalty above 0 rules out.
 *
 * @example
 * solveSymmetric([[4, 2], [2, 3]], [2, 1]); // [0.5, 0]
 */
export function solveSymmetric(a: Matrix, b: readonly number[]): number[] {
  const lower = cholesky(a);
  const n = b.length;
  const forward = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= at(lower, i, k) * (forward[k] ?? 0);
    forward[i] = sum / at(lower, i, i);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = forward[i] ?? 0;
    for (let k = i + 1; k < n; k++) sum -= at(lower, k, i) * (x[k] ?? 0);
    x[i] = sum / at(lower, i, i);
  }
  return x;
}

function cholesky(a: Matrix): Matrix {
  const n = a.length;
  const lower = zeros(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = at(a, i, j);
      for (let k = 0; k < j; k++) sum -= at(lower, i, k) * at(lower, j, k);
      if (i === j) {
        if (!(sum > 0)) throw new RangeError(`matrix is not positive definite at pivot ${i}`);
        set(lower, i, i, Math.sqrt(sum));
      } else {
        set(lower, i, j, sum / at(lower, j, j));
      }
    }
  }
  return lower;
}

function at(m: Matrix, i: number, j: number): number {
  return m[i]?.[j] ?? 0;
}

function set(m: Matrix, i: number, j: number, value: number): void {
  const row = m[i];
  if (row !== undefined) row[j] = value;
}
