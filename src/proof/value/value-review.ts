/**
 * The value review: a treatment's incremental outcome (with its interval) times the value of
 * one unit of the outcome, minus what treating costs, over the node's payback window. Pure.
 *
 * Per month, with S sends (treated subjects), an incremental outcome d per send and unit value
 * u: value = S·d·u; costs = S·per_message + I·per_inference + share·monthly_fixed, where I, the
 * subjects scored, is S divided by the treatment's designed share of treatment plus control
 * (every eligible subject is scored, sent or held out). Over P payback months the net is
 * P·(value − costs) − one_off. The interval of the net carries the interval of d; costs are
 * taken as known.
 */

import type { Interval, Readout } from "../readout/readout.ts";

/** What the review assumes: from the node in the playbook, overridden by flags. */
export interface ValueAssumptions {
  /** The outcome metric that is valued, a metric of the readout. */
  readonly metric: string;
  readonly unitValue: number;
  /**
   * `lower` for metrics where less is better (inbound calls): each unit avoided is worth the
   * unit value, so the value is −d·u.
   */
  readonly better: "higher" | "lower";
  readonly perMessage: number;
  readonly perInference: number;
  /** The node's running costs per month, before the share. */
  readonly monthlyFixed: number;
  /** The share of the running costs charged to this campaign, 0..1. */
  readonly runningCostShare: number;
  readonly oneOff: number;
  readonly paybackMonths: number;
  /** Treated subjects per month; the treatment arm's size when not given. */
  readonly sendsPerMonth?: number;
  /** Where the figures came from, for the report: `node retail/category-campaign`, flags. */
  readonly sources: readonly string[];
}

/** An estimate with its interval. */
export interface Estimate {
  readonly estimate: number;
  readonly interval: Interval;
}

/** One month of the cumulative chart. */
export interface MonthPoint {
  readonly month: number;
  readonly value: number;
  readonly costs: number;
  readonly net: number;
  readonly netLow: number;
  readonly netHigh: number;
}

export interface TreatmentValue {
  readonly treatment: string;
  readonly control: string;
  readonly sendsPerMonth: number;
  /** Outcome units gained per send (the readout's difference). */
  readonly incrementalPerSend: Estimate;
  readonly valuePerSend: Estimate;
  readonly costPerSend: number;
  readonly monthlyCosts: number;
  readonly monthlyNet: Estimate;
  /** Net value over the payback window, after the one-off cost. */
  readonly windowNet: Estimate;
  /** True when the estimated net over the window is at least zero. */
  readonly paysBack: boolean;
  /** True when the whole interval lies on the verdict's side of zero. */
  readonly clear: boolean;
  readonly cumulative: readonly MonthPoint[];
}

export interface ValueReview {
  readonly assumptions: ValueAssumptions;
  readonly confidence: number;
  readonly treatments: readonly TreatmentValue[];
}

/**
 * Values every treatment arm of the readout against its control.
 *
 * @example valueReview(readout, { metric: "spend", unitValue: 0.35, … }).treatments[0].paysBack
 */
export function valueReview(readout: Readout, assumptions: ValueAssumptions): ValueReview {
  const metric = readout.metrics.find((candidate) => candidate.metric === assumptions.metric);
  if (metric === undefined) {
    throw new RangeError(`the readout has no metric "${assumptions.metric}" to value`);
  }
  const shares = new Map(readout.sampleRatio.arms.map((arm) => [arm.arm, arm.designedShare]));
  const sizes = new Map(metric.arms.map((arm) => [arm.arm, arm.n]));
  const treatments = metric.contrasts.map((contrast) => {
    const treatedShare = shares.get(contrast.treatment) ?? 1;
    const scoredPerSend = (treatedShare + (shares.get(contrast.control) ?? 0)) / treatedShare;
    const sends = assumptions.sendsPerMonth ?? sizes.get(contrast.treatment) ?? 0;
    const incremental = {
      estimate: contrast.difference.estimate,
      interval: contrast.difference.interval,
    };
    return treatmentValue(contrast.treatment, contrast.control, incremental, {
      assumptions,
      sends,
      scoredPerSend,
    });
  });
  return { assumptions, confidence: readout.confidence, treatments };
}

interface Volume {
  readonly assumptions: ValueAssumptions;
  readonly sends: number;
  readonly scoredPerSend: number;
}

function treatmentValue(
  treatment: string,
  control: string,
  incremental: Estimate,
  { assumptions, sends, scoredPerSend }: Volume,
): TreatmentValue {
  const sign = assumptions.better === "lower" ? -1 : 1;
  const valuePerSend = scale(incremental, sign * assumptions.unitValue);
  const costPerSend = assumptions.perMessage + assumptions.perInference * scoredPerSend;
  const monthlyCosts =
    sends * costPerSend + assumptions.runningCostShare * assumptions.monthlyFixed;
  const monthlyNet = shift(scale(valuePerSend, sends), -monthlyCosts);
  const windowNet = shift(scale(monthlyNet, assumptions.paybackMonths), -assumptions.oneOff);
  const paysBack = windowNet.estimate >= 0;
  const [low, high] = windowNet.interval;
  return {
    treatment,
    control,
    sendsPerMonth: sends,
    incrementalPerSend: incremental,
    valuePerSend,
    costPerSend,
    monthlyCosts,
    monthlyNet,
    windowNet,
    paysBack,
    clear: paysBack ? low >= 0 : high < 0,
    cumulative: cumulative(valuePerSend.estimate * sends, monthlyCosts, monthlyNet, assumptions),
  };
}

/** Month 0 to twice the payback window (at least 6 months), for the chart. */
function cumulative(
  monthlyValue: number,
  monthlyCosts: number,
  monthlyNet: Estimate,
  assumptions: ValueAssumptions,
): MonthPoint[] {
  const months = Math.max(6, Math.ceil(assumptions.paybackMonths * 2));
  return Array.from({ length: months + 1 }, (_, month) => {
    const [low, high] = monthlyNet.interval;
    const costs = month * monthlyCosts + assumptions.oneOff;
    return {
      month,
      value: month * monthlyValue,
      costs,
      net: month * monthlyNet.estimate - assumptions.oneOff,
      netLow: month * Math.min(low, high) - assumptions.oneOff,
      netHigh: month * Math.max(low, high) - assumptions.oneOff,
    };
  });
}

/** An estimate times a factor; a negative factor swaps the interval's ends. */
function scale(value: Estimate, factor: number): Estimate {
  const a = value.interval[0] * factor;
  const b = value.interval[1] * factor;
  return { estimate: value.estimate * factor, interval: [Math.min(a, b), Math.max(a, b)] };
}

function shift(value: Estimate, by: number): Estimate {
  return {
    estimate: value.estimate + by,
    interval: [value.interval[0] + by, value.interval[1] + by],
  };
}
