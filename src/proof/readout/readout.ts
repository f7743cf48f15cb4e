/**
 * The readout of an experiment with any number of arms against one control: per arm n, mean
 * and standard deviation; per treatment arm the difference, relative lift and test; the
 * sample-ratio check against the designed allocation; and, with a pre-period covariate, the
 * CUPED-adjusted difference. Pure: data in, figures out.
 */

import {
  type Contrast,
  contrast,
  type Difference,
  type Interval,
  type MetricKind,
  type TTest,
} from "./contrast.ts";
import { type Cuped, cuped } from "./cuped.ts";
import { tCritical } from "./distributions.ts";
import { SAMPLE_RATIO_ALPHA, type SampleRatio, sampleRatio } from "./sample-ratio.ts";
import { type ArmSummary, summarise } from "./summary.ts";

export type { Contrast, Interval, MetricKind, TTest } from "./contrast.ts";
export type { Cuped } from "./cuped.ts";
export type { SampleRatio } from "./sample-ratio.ts";
export type { ArmSummary } from "./summary.ts";

export interface MetricSpec {
  readonly name: string;
  readonly kind: MetricKind;
}

/** One arm's values, subject by subject: one array per metric, and the covariate's if any. */
export interface ArmData {
  readonly name: string;
  readonly metrics: ReadonlyMap<string, Float64Array>;
  readonly covariate?: Float64Array;
}

export interface ExperimentData {
  readonly metrics: readonly MetricSpec[];
  /** In the order of the designed allocation. */
  readonly arms: readonly ArmData[];
  /** The pre-period covariate's name, when the arms carry its values. */
  readonly covariate?: string;
}

export interface ReadoutDesign {
  readonly control: string;
  /** Arm name to designed weight (any positive numbers; normalised). */
  readonly allocation: ReadonlyMap<string, number>;
  /** 0.95 unless given. */
  readonly confidence?: number;
  /** `welch` unless given. */
  readonly tTest?: TTest;
  readonly sampleRatioAlpha?: number;
}

/** An arm's summary with the interval of its mean (for the chart of arm means). */
export interface ArmReadout extends ArmSummary {
  readonly interval: Interval;
}

/** A treatment arm's contrast, with its CUPED adjustment when there is a covariate. */
export interface ContrastReadout extends Contrast {
  readonly cuped?: Cuped;
}

export interface MetricReadout {
  readonly metric: string;
  readonly kind: MetricKind;
  readonly arms: readonly ArmReadout[];
  readonly contrasts: readonly ContrastReadout[];
}

export interface Readout {
  readonly control: string;
  readonly confidence: number;
  readonly tTest: TTest;
  readonly subjects: number;
  readonly sampleRatio: SampleRatio;
  readonly covariate?: string;
  readonly metrics: readonly MetricReadout[];
}

/**
 * Reads out an experiment. Throws a RangeError when the control is not an arm, an arm has
 * fewer than two subjects, or an arm lacks a designed weight: the importer reports those with
 * rows and columns before it gets here.
 *
 * @example readout(data, { control: "No E-Mail", allocation: new Map([["Mens E-Mail", 1], …]) })
 */
export function readout(data: ExperimentData, design: ReadoutDesign): Readout {
  checkDesign(data, design);
  const confidence = design.confidence ?? 0.95;
  const tTest = design.tTest ?? "welch";
  const counts = data.arms.map((arm) => ({
    arm: arm.name,
    observed: armSize(arm),
    weight: design.allocation.get(arm.name) ?? 0,
  }));
  return {
    control: design.control,
    confidence,
    tTest,
    subjects: counts.reduce((sum, count) => sum + count.observed, 0),
    sampleRatio: sampleRatio(counts, design.sampleRatioAlpha ?? SAMPLE_RATIO_ALPHA),
    ...(data.covariate === undefined ? {} : { covariate: data.covariate }),
    metrics: data.metrics.map((metric) =>
      metricReadout(data, metric, { control: design.control, confidence, tTest }),
    ),
  };
}

function checkDesign(data: ExperimentData, design: ReadoutDesign): void {
  if (!data.arms.some((arm) => arm.name === design.control)) {
    throw new RangeError(`the control arm "${design.control}" is not among the arms`);
  }
  for (const arm of data.arms) {
    if (armSize(arm) < 2) throw new RangeError(`arm "${arm.name}" has fewer than 2 subjects`);
    if (!((design.allocation.get(arm.name) ?? 0) > 0)) {
      throw new RangeError(`arm "${arm.name}" has no designed share in the allocation`);
    }
  }
}

function armSize(arm: ArmData): number {
  const first = arm.metrics.values().next().value;
  return first?.length ?? arm.covariate?.length ?? 0;
}

interface MetricContext {
  readonly control: string;
  readonly confidence: number;
  readonly tTest: TTest;
}

function metricReadout(
  data: ExperimentData,
  metric: MetricSpec,
  context: MetricContext,
): MetricReadout {
  const values = (arm: ArmData) => valuesOf(arm, metric.name);
  const summaries = data.arms.map((arm) => summarise(arm.name, values(arm)));
  const controlIndex = data.arms.findIndex((arm) => arm.name === context.control);
  const controlArm = data.arms[controlIndex];
  const controlSummary = summaries[controlIndex];
  if (controlArm === undefined || controlSummary === undefined) {
    throw new RangeError(`the control arm "${context.control}" is not among the arms`);
  }
  const options = { kind: metric.kind, confidence: context.confidence, tTest: context.tTest };
  const contrasts = data.arms.flatMap((arm, index): ContrastReadout[] => {
    const summary = summaries[index];
    if (index === controlIndex || summary === undefined) return [];
    const plain = contrast(summary, controlSummary, options);
    const adjusted = cupedOf(data.covariate, [arm, controlArm], values, plain.difference, context);
    return [adjusted === undefined ? plain : { ...plain, cuped: adjusted }];
  });
  const arms = summaries.map((summary) => withInterval(summary, context.confidence));
  return { metric: metric.name, kind: metric.kind, arms, contrasts };
}

function cupedOf(
  covariate: string | undefined,
  [treatment, control]: readonly [ArmData, ArmData],
  values: (arm: ArmData) => Float64Array,
  plain: Difference,
  { confidence }: MetricContext,
): Cuped | undefined {
  if (covariate === undefined || treatment.covariate === undefined) return undefined;
  if (control.covariate === undefined) return undefined;
  return cuped(
    covariate,
    { arm: treatment.name, outcome: values(treatment), covariate: treatment.covariate },
    { arm: control.name, outcome: values(control), covariate: control.covariate },
    confidence,
    plain,
  );
}

function valuesOf(arm: ArmData, metric: string): Float64Array {
  const values = arm.metrics.get(metric);
  if (values === undefined) throw new RangeError(`arm "${arm.name}" has no values of ${metric}`);
  return values;
}

/** The mean's interval, mean ± t(n − 1) · s / √n. */
function withInterval(summary: ArmSummary, confidence: number): ArmReadout {
  const half = tCritical(confidence, summary.n - 1) * (summary.sd / Math.sqrt(summary.n));
  return { ...summary, interval: [summary.mean - half, summary.mean + half] };
}
