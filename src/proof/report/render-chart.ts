/**
 * Charts rendered on the server: Vega-Lite compiled to Vega, drawn headless to SVG (inlined in
 * the HTML page), and the SVG rasterised to PNG by resvg for places that take only images.
 */

import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile } from "vega-lite";
import type { Chart } from "./charts.ts";

/** A chart drawn: its SVG text and its PNG bytes. */
export interface RenderedChart {
  readonly chart: Chart;
  readonly svg: string;
  readonly png: Uint8Array;
}

/** PNGs are drawn at twice the SVG's size, sharp on high-density screens. */
const PNG_ZOOM = 2;

/**
 * Renders one chart to SVG and PNG.
 *
 * @example const { svg, png } = await renderChart(armMeansChart(metric, "control", 0.95));
 */
export async function renderChart(chart: Chart): Promise<RenderedChart> {
  const svg = await chartSvg(chart);
  return { chart, svg, png: svgToPng(svg) };
}

/** The chart as a standalone SVG document. */
export async function chartSvg(chart: Chart): Promise<string> {
  const view = new View(parse(compile(chart.spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG rasterised with the system's fonts (DejaVu Sans on Debian). */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: PNG_ZOOM },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
