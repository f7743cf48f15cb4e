/**
 * The report's charts as Vega-Lite specifications: arm means with their intervals, the Qini
 * curve, and the cumulative net value of a treatment over its payback window. Data is inlined,
 * so a specification renders alone.
 */

import type { TopLevelSpec } from "vega-lite";
import type { MetricReadout } from "../readout/readout.ts";
import type { ValueReview } from "../value/value-review.ts";
import { sig } from "./format.ts";
import type { QiniCurve } from "./qini-input.ts";

const WIDTH = 520;
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  title: { fontSize: 14, anchor: "start" as const, subtitleFontSize: 11, subtitleColor: "#555" },
  legend: { labelFontSize: 11, titleFontSize: 11 },
};

/** A chart, named for its file (`means-spend`), with a caption for alt text. */
export interface Chart {
  readonly name: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/**
 * Each arm's mean of one metric with its interval; the control in grey.
 *
 * @example armMeansChart(readout.metrics[2], "No E-Mail", 0.95).name // "means-spend"
 */
export function armMeansChart(metric: MetricReadout, control: string, confidence: number): Chart {
  const level = Math.round(confidence * 100);
  const values = metric.arms.map((arm) => ({
    arm: arm.arm,
    role: arm.arm === control ? "control" : "treatment",
    mean: arm.mean,
    low: arm.interval[0],
    high: arm.interval[1],
    n: arm.n,
  }));
  const y = { field: "arm", type: "nominal" as const, sort: null, title: null };
  const colour = {
    field: "role",
    type: "nominal" as const,
    scale: { domain: ["treatment", "control"], range: ["#1f6fb2", "#888888"] },
    legend: null,
  };
  return {
    name: `means-${fileSafe(metric.metric)}`,
    caption: `${metric.metric}: mean per arm with ${level}% intervals`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: `${metric.metric}: mean per arm`, subtitle: `${level}% confidence intervals` },
      width: WIDTH,
      height: { step: 34 },
      config: CONFIG,
      data: { values },
      encoding: { y, color: colour },
      layer: [
        {
          mark: { type: "rule", strokeWidth: 3 },
          encoding: {
            x: {
              field: "low",
              type: "quantitative",
              title: `mean ${metric.metric}`,
              scale: { zero: false },
            },
            x2: { field: "high" },
          },
        },
        {
          mark: { type: "point", filled: true, size: 90 },
          encoding: { x: { field: "mean", type: "quantitative" } },
        },
      ],
    },
  };
}

/**
 * The Qini curve against random targeting (the straight line to the same end point).
 *
 * @example qiniChart(curve, "visit").spec
 */
export function qiniChart(curve: QiniCurve, outcome: string): Chart {
  const last = curve.points.at(-1);
  const end = last === undefined ? 0 : last.incremental / (last.fraction || 1);
  const values = curve.points.flatMap((point) => [
    { fraction: point.fraction, incremental: point.incremental, targeting: "by model" },
    { fraction: point.fraction, incremental: point.fraction * end, targeting: "at random" },
  ]);
  return {
    name: "qini",
    caption: `Qini curve (${outcome}): cumulative incremental outcome by share targeted`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `Qini curve: incremental ${outcome} by share targeted`,
        subtitle: `Qini coefficient ${sig(curve.coefficient)}`,
      },
      width: WIDTH,
      height: 280,
      config: CONFIG,
      data: { values },
      mark: { type: "line", strokeWidth: 2 },
      encoding: {
        x: {
          field: "fraction",
          type: "quantitative",
          title: "share targeted",
          axis: { format: "%" },
        },
        y: {
          field: "incremental",
          type: "quantitative",
          title: `cumulative incremental ${outcome}`,
        },
        color: {
          field: "targeting",
          type: "nominal",
          title: null,
          scale: { domain: ["by model", "at random"], range: ["#1f6fb2", "#999999"] },
        },
        strokeDash: {
          field: "targeting",
          type: "nominal",
          title: null,
          scale: {
            domain: ["by model", "at random"],
            range: [
              [1, 0],
              [5, 4],
            ],
          },
        },
      },
    },
  };
}

/**
 * Cumulative net value month by month for each treatment, with its interval band, and the
 * payback target as a vertical rule.
 *
 * @example cumulativeValueChart(review).name // "value"
 */
export function cumulativeValueChart(review: ValueReview): Chart {
  const values = review.treatments.flatMap((treatment) =>
    treatment.cumulative.map((point) => ({ treatment: treatment.treatment, ...point })),
  );
  const target = review.assumptions.paybackMonths;
  const x = {
    field: "month",
    type: "quantitative" as const,
    title: "months of running the node",
    axis: { tickMinStep: 1 },
  };
  const colour = { field: "treatment", type: "nominal" as const, title: null };
  return {
    name: "value",
    caption: `cumulative net value with ${Math.round(review.confidence * 100)}% intervals; payback target at ${target} months`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Cumulative net value (incremental value − costs)",
        subtitle: `${review.assumptions.metric} × ${review.assumptions.unitValue} per unit; band: ${Math.round(review.confidence * 100)}% interval; rule: payback target`,
      },
      width: WIDTH,
      height: 280,
      config: CONFIG,
      layer: [
        {
          data: { values },
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { field: "netLow", type: "quantitative", title: "net value" },
            y2: { field: "netHigh" },
            color: colour,
          },
        },
        {
          data: { values },
          mark: { type: "line", strokeWidth: 2, point: true },
          encoding: { x, y: { field: "net", type: "quantitative" }, color: colour },
        },
        {
          data: { values: [{ zero: 0 }] },
          mark: { type: "rule", color: "#444" },
          encoding: { y: { field: "zero", type: "quantitative" } },
        },
        {
          data: { values: [{ month: target }] },
          mark: { type: "rule", color: "#c0392b", strokeDash: [4, 3] },
          encoding: { x: { field: "month", type: "quantitative" } },
        },
      ],
    },
  };
}

/** A metric name as part of a file name. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, "_");
}
