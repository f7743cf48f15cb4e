import { Random } from "../../simulator/random.ts";

/** Two halves of a data set: one to train on, one held out to judge the models. */
export interface Halves<T> {
  readonly training: readonly T[];
  readonly heldOut: readonly T[];
}

/**
 * A seeded 50/50 split: a Fisher–Yates shuffle by the simulator's sfc32 stream, the first half
 * (rounded down) for training. Each half keeps the input's order, so results do not depend on
 * the shuffle beyond who lands where. The same seed gives the same halves on every platform.
 *
 * @example
 * const { training, heldOut } = splitHalves(customers, 7);
 * training.length; // 32000 of 64000
 */
export function splitHalves<T>(items: readonly T[], seed: number): Halves<T> {
  const order = shuffledIndices(items.length, new Random(seed));
  const inTraining = new Uint8Array(items.length);
  for (let k = 0; k < Math.floor(items.length / 2); k++) inTraining[order[k] ?? 0] = 1;
  const training: T[] = [];
  const heldOut: T[] = [];
  items.forEach((item, index) => {
    (inTraining[index] === 1 ? training : heldOut).push(item);
  });
  return { training, heldOut };
}

/** 0 … n−1 in a seeded random order. */
export function shuffledIndices(n: number, random: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  return order;
}
