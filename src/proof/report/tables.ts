/**
 * The report's content as tables and sentences, shared by the terminal table, Markdown and
 * HTML renderings so that all three say the same thing.
 */

import type { MetricReadout, Readout } from "../readout/readout.ts";
import type { TreatmentValue, ValueReview } from "../value/value-review.ts";
import { interval, money, moneyInterval, percent, pValue, sig } from "./format.ts";

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const TEST_NAMES = {
  "two-proportion-z": "z (two proportions, pooled)",
  "welch-t": "Welch t",
  "student-t": "Student t (pooled)",
} as const;

/** One line on the experiment as a whole. */
export function overview(readout: Readout): string {
  const arms = readout.sampleRatio.arms.length;
  return (
    `${readout.subjects} subjects in ${arms} arms; control "${readout.control}"; ` +
    `${Math.round(readout.confidence * 100)}% intervals`
  );
}

/** Observed against designed arm sizes. */
export function sampleRatioTable(readout: Readout): Table {
  return {
    headers: ["arm", "observed", "designed share", "expected"],
    rows: readout.sampleRatio.arms.map((arm) => [
      arm.arm,
      String(arm.observed),
      percent(arm.designedShare),
      sig(arm.expected, 6),
    ]),
  };
}

/** The sample-ratio verdict in words. */
export function sampleRatioSentence(readout: Readout): string {
  const { chiSquare, df, p, alpha, alarm } = readout.sampleRatio;
  const figures = `chi-square ${sig(chiSquare)}, df ${df}, p ${pValue(p)}`;
  return alarm
    ? `SAMPLE-RATIO ALARM (${figures} < ${alpha}): the arms are not the sizes the design gives them; assignment or logging is broken and no figure below can be trusted.`
    : `Sample ratio as designed (${figures}; alarm below p ${alpha}).`;
}

/** Per arm n, mean, sd and the mean's interval. */
export function armTable(metric: MetricReadout, confidence: number): Table {
  return {
    headers: ["arm", "n", "mean", "sd", `${Math.round(confidence * 100)}% interval`],
    rows: metric.arms.map((arm) => [
      arm.arm,
      String(arm.n),
      sig(arm.mean, 6),
      sig(arm.sd, 6),
      interval(arm.interval),
    ]),
  };
}

/** Per treatment: difference, Welch interval, lift and its interval, the test. */
export function contrastTable(metric: MetricReadout, confidence: number): Table {
  const level = Math.round(confidence * 100);
  return {
    headers: [
      "treatment − control",
      "difference",
      `${level}% Welch interval`,
      "relative lift",
      `${level}% lift interval`,
      "test",
      "statistic",
      "p",
    ],
    rows: metric.contrasts.map((contrast) => [
      `${contrast.treatment} − ${contrast.control}`,
      sig(contrast.difference.estimate, 6),
      interval(contrast.difference.interval),
      contrast.lift === null ? "n/a (control mean 0)" : percent(contrast.lift.estimate),
      contrast.lift === null
        ? "n/a"
        : `[${percent(contrast.lift.interval[0])}, ${percent(contrast.lift.interval[1])}]`,
      TEST_NAMES[contrast.test.kind],
      sig(contrast.test.statistic, 6),
      pValue(contrast.test.p),
    ]),
  };
}

/** The CUPED-adjusted differences, when the readout has a covariate. */
export function cupedTable(metric: MetricReadout, confidence: number): Table | undefined {
  const rows = metric.contrasts.flatMap((contrast) => {
    const adjusted = contrast.cuped;
    if (adjusted === undefined) return [];
    return [
      [
        `${contrast.treatment} − ${contrast.control}`,
        sig(adjusted.theta),
        sig(adjusted.difference.estimate, 6),
        interval(adjusted.difference.interval),
        percent(adjusted.varianceRemoved),
      ],
    ];
  });
  if (rows.length === 0) return undefined;
  const level = Math.round(confidence * 100);
  const covariate = metric.contrasts[0]?.cuped?.covariate ?? "covariate";
  return {
    headers: [
      `CUPED on ${covariate}`,
      "θ",
      "adjusted difference",
      `${level}% interval`,
      "variance removed",
    ],
    rows,
  };
}

/** What the value review assumed, as sentences. */
export function valueAssumptionLines(review: ValueReview): string[] {
  const a = review.assumptions;
  const lines = [
    `valued metric: ${a.metric} (${a.better} is better), ${a.unitValue} per unit`,
    `costs: ${a.perMessage} per message, ${a.perInference} per inference, ${percent(a.runningCostShare)} of ${money(a.monthlyFixed)} running costs a month, ${money(a.oneOff)} one-off`,
    `payback target: ${a.paybackMonths} months`,
    a.sendsPerMonth === undefined
      ? "sends a month: the treatment arm's size (one campaign like the experiment a month)"
      : `sends a month: ${a.sendsPerMonth}`,
  ];
  if (a.sources.length > 0) lines.push(`from: ${a.sources.join("; ")}`);
  return lines;
}

/** Per treatment: the value per send, costs, net per month and over the window, the verdict. */
export function valueTable(review: ValueReview): Table {
  const level = Math.round(review.confidence * 100);
  const months = review.assumptions.paybackMonths;
  return {
    headers: [
      "treatment",
      "sends a month",
      `incremental ${review.assumptions.metric} per send`,
      "value per send",
      "cost per send (before running costs)",
      "net a month",
      `net over ${months} months`,
      `${level}% interval`,
      "verdict",
    ],
    rows: review.treatments.map((value) => [
      value.treatment,
      String(value.sendsPerMonth),
      `${sig(value.incrementalPerSend.estimate)} ${interval(value.incrementalPerSend.interval)}`,
      sig(value.valuePerSend.estimate),
      sig(value.costPerSend),
      money(value.monthlyNet.estimate),
      money(value.windowNet.estimate),
      moneyInterval(value.windowNet.interval),
      verdictWords(value),
    ]),
  };
}

/** `pays back` / `does not pay back`, qualified when the interval crosses zero. */
export function verdictWords(value: TreatmentValue): string {
  const verdict = value.paysBack ? "pays back" : "does not pay back";
  return value.clear ? verdict : `${verdict} on the estimate; the interval crosses zero`;
}

/** The verdict for one treatment as a sentence. */
export function verdictSentence(value: TreatmentValue, review: ValueReview): string {
  const level = Math.round(review.confidence * 100);
  const months = review.assumptions.paybackMonths;
  const net = `net ${money(value.windowNet.estimate)} over ${months} months, ${level}% interval ${moneyInterval(value.windowNet.interval)}`;
  if (value.clear) {
    return `${value.treatment}: ${value.paysBack ? "pays back" : "does not pay back"} within the ${months}-month target (${net}).`;
  }
  return `${value.treatment}: ${value.paysBack ? "pays back" : "does not pay back"} on the estimate, but not clearly: ${net} includes ${value.paysBack ? "a loss" : "a gain"}.`;
}

/** Notes on method, printed under every report. */
export const METHOD_NOTES: readonly string[] = [
  "Standard deviations use n − 1. Differences are treatment minus control with a Welch interval (t quantile at the Welch–Satterthwaite degrees of freedom).",
  "Relative lift is treatment mean / control mean − 1; its interval is the delta method's, which counts the uncertainty of the control mean as well as the treatment's.",
  "Binary metrics are tested with the two-proportion z-test (pooled proportion); continuous ones with the t-test named in the table. p-values are two-sided; below 1e-12 they are shown as < 1e-12.",
  "The sample-ratio check is a chi-square goodness-of-fit test of the arm sizes against the designed allocation, alarming below p 0.001.",
  "CUPED adjusts each outcome by θ(x − x̄) with one θ pooled over the two compared arms (within-arm slopes); 'variance removed' is the share of the difference's variance it takes away.",
];
