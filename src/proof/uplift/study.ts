/**
 * The repeated-split study behind the acceptance claim: over many seeded 50/50 splits, does
 * mailing the top share by predicted visit uplift add more visits per e-mailed customer than
 * mailing at random, and than mailing by propensity?
 */

import type { HillstromCustomer } from "../hillstrom/hillstrom.ts";
import { splitHalves } from "../hillstrom/split.ts";
import { estimateSlice, rank, scoreCustomers, topShare } from "./evaluate.ts";
import { trainTwoModel, type UpliftOptions } from "./two-model.ts";

/** One split's incremental visit rates in the top share (visits per e-mailed customer). */
export interface SplitResult {
  readonly seed: number;
  readonly uplift: number;
  readonly propensity: number;
  /** One seeded random draw of the share. */
  readonly randomDraw: number;
  /**
   * What mailing a random share adds in expectation: the incremental rate over every held-out
   * customer (a random subset has the same treated and control means on average).
   */
  readonly randomExpected: number;
}

export interface SplitStudy {
  readonly share: number;
  readonly splits: readonly SplitResult[];
  readonly wins: {
    readonly overRandomDraw: number;
    readonly overRandomExpected: number;
    readonly overPropensity: number;
  };
  readonly means: Readonly<
    Record<"uplift" | "propensity" | "randomDraw" | "randomExpected", number>
  >;
}

/**
 * Trains and judges one model per seed. Deterministic given the customers and seeds.
 *
 * @example
 * const study = splitStudy(customers, [1, 2, 3], { ...DEFAULT_UPLIFT_OPTIONS, share: 0.3 });
 * study.wins.overRandomExpected; // splits where uplift targeting beat random targeting
 */
export function splitStudy(
  customers: readonly HillstromCustomer[],
  seeds: readonly number[],
  options: UpliftOptions & { readonly share: number },
): SplitStudy {
  const splits = seeds.map((seed) => oneSplit(customers, seed, options));
  const count = (won: (split: SplitResult) => boolean) => splits.filter(won).length;
  const mean = (pick: (split: SplitResult) => number) =>
    splits.reduce((sum, split) => sum + pick(split), 0) / Math.max(1, splits.length);
  return {
    share: options.share,
    splits,
    wins: {
      overRandomDraw: count((s) => s.uplift > s.randomDraw),
      overRandomExpected: count((s) => s.uplift > s.randomExpected),
      overPropensity: count((s) => s.uplift > s.propensity),
    },
    means: {
      uplift: mean((s) => s.uplift),
      propensity: mean((s) => s.propensity),
      randomDraw: mean((s) => s.randomDraw),
      randomExpected: mean((s) => s.randomExpected),
    },
  };
}

function oneSplit(
  customers: readonly HillstromCustomer[],
  seed: number,
  options: UpliftOptions & { readonly share: number },
): SplitResult {
  const { training, heldOut } = splitHalves(customers, seed);
  const scored = scoreCustomers(trainTwoModel(training, options), heldOut);
  const top = (strategy: "uplift" | "propensity" | "random") =>
    estimateSlice(topShare(rank(scored, strategy, "visit", seed), options.share), "visit")
      .incremental;
  return {
    seed,
    uplift: top("uplift"),
    propensity: top("propensity"),
    randomDraw: top("random"),
    randomExpected: estimateSlice(scored, "visit").incremental,
  };
}
