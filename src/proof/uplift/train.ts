/**
 * One training run: split, fit the two-model estimator on one half, judge it on the other,
 * and choose how the campaign node targets from what the held-out half shows.
 */

import type { HillstromCustomer } from "../hillstrom/hillstrom.ts";
import { splitHalves } from "../hillstrom/split.ts";
import {
  estimateSlice,
  type QiniCurve,
  qiniCurve,
  rank,
  type ScoredCustomer,
  type SliceEstimate,
  scoreCustomers,
  type TargetingRow,
  targetingTable,
  topShare,
} from "./evaluate.ts";
import {
  OUTCOMES,
  type Outcome,
  type TwoModelUplift,
  trainTwoModel,
  type UpliftOptions,
} from "./two-model.ts";

/** The shares of customers mailed in the targeting table. */
export const TARGET_FRACTIONS = [0.1, 0.2, 0.3, 0.5] as const;

export interface TrainingOptions extends UpliftOptions {
  readonly seed: number;
  /** The share of customers the node mails, 0 < share < 1. */
  readonly share: number;
}

/** How the node targets, and the held-out evidence for it. */
export interface TargetingChoice {
  readonly outcome: "visit";
  readonly share: number;
  readonly by: "uplift" | "propensity";
  /** The lowest score still mailed on the held-out half: the node's cut-off. */
  readonly cutoff: number;
  readonly rule: string;
  readonly evidence: Readonly<Record<"uplift" | "propensity" | "random", SliceEstimate>>;
}

export interface TrainingRun {
  readonly seed: number;
  readonly model: TwoModelUplift;
  readonly counts: { readonly training: number; readonly heldOut: number };
  readonly scored: readonly ScoredCustomer[];
  readonly targeting: readonly TargetingRow[];
  /** Qini curves by outcome, for ranking by uplift and by propensity. */
  readonly qini: Readonly<Record<Outcome, { uplift: QiniCurve; propensity: QiniCurve }>>;
  /** Every held-out customer of the two segments: what mailing all of them adds. */
  readonly overall: Readonly<Record<Outcome, SliceEstimate>>;
  readonly choice: TargetingChoice;
}

/**
 * Trains on the seeded training half and evaluates on the held-out half. Deterministic given
 * the customers, the seed and the options.
 *
 * @example
 * const run = trainAndEvaluate(customers, { ...DEFAULT_UPLIFT_OPTIONS, seed: 1, share: 0.3 });
 * run.qini.visit.uplift.coefficient; // area above random targeting
 */
export function trainAndEvaluate(
  customers: readonly HillstromCustomer[],
  options: TrainingOptions,
): TrainingRun {
  const { training, heldOut } = splitHalves(customers, options.seed);
  const model = trainTwoModel(training, options);
  const scored = scoreCustomers(model, heldOut);
  const ranked = (strategy: "uplift" | "propensity", outcome: Outcome) =>
    rank(scored, strategy, outcome, options.seed);
  const curves = (outcome: Outcome) => ({
    uplift: qiniCurve(ranked("uplift", outcome), outcome),
    propensity: qiniCurve(ranked("propensity", outcome), outcome),
  });
  const qini = { visit: curves("visit"), conversion: curves("conversion"), spend: curves("spend") };
  return {
    seed: options.seed,
    model,
    counts: { training: training.length, heldOut: heldOut.length },
    scored,
    targeting: targetingTable(scored, TARGET_FRACTIONS, OUTCOMES, options.seed),
    qini,
    overall: {
      visit: estimateSlice(scored, "visit"),
      conversion: estimateSlice(scored, "conversion"),
      spend: estimateSlice(scored, "spend"),
    },
    choice: chooseTargeting(scored, options),
  };
}

/**
 * The node targets the top share by whichever ranking added more visits per e-mailed customer
 * on the held-out half: uplift on a tie. Visits, because spend is too sparse to rank by.
 */
function chooseTargeting(scored: readonly ScoredCustomer[], options: TrainingOptions) {
  const slice = (strategy: "uplift" | "propensity" | "random") =>
    topShare(rank(scored, strategy, "visit", options.seed), options.share);
  const evidence = {
    uplift: estimateSlice(slice("uplift"), "visit"),
    propensity: estimateSlice(slice("propensity"), "visit"),
    random: estimateSlice(slice("random"), "visit"),
  };
  const by =
    evidence.propensity.incremental > evidence.uplift.incremental ? "propensity" : "uplift";
  const last = slice(by).at(-1)?.prediction.visit;
  const cutoff = last === undefined ? 1 : by === "uplift" ? last.uplift : last.treated;
  const percent = Math.round(options.share * 100);
  return {
    outcome: "visit",
    share: options.share,
    by,
    cutoff,
    rule:
      `mail the top ${percent}% by whichever ranking (predicted visit uplift, or predicted ` +
      `visit chance if e-mailed) added more visits per e-mailed customer on the held-out half; ` +
      "uplift on a tie",
    evidence,
  } as const;
}
