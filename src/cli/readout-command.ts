import { Command, Option } from "commander";
import type { Readout } from "../proof/readout/readout.ts";
import { writeFileAtomically } from "../proof/report/build-report.ts";
import { armMeansChart } from "../proof/report/charts.ts";
import { reportHtml } from "../proof/report/html.ts";
import { reportMarkdown } from "../proof/report/markdown.ts";
import { renderChart } from "../proof/report/render-chart.ts";
import { readoutText } from "../proof/report/text.ts";
import { type ExperimentFlags, experimentOptions, readoutFromFlags } from "./proof-options.ts";
import { reportAppError } from "./report-error.ts";

type Format = "table" | "json" | "markdown" | "html";

interface ReadoutFlags extends ExperimentFlags {
  readonly format: Format;
  readonly out?: string;
}

const EXAMPLE = `
Example (the Hillstrom e-mail experiment):
  $ assent readout --csv hillstrom.csv --arm segment --control "No E-Mail" \\
      --allocation "Mens E-Mail=1,Womens E-Mail=1,No E-Mail=1" \\
      --metric visit:binary --metric conversion:binary --metric spend --covariate history

Rows count from 1 after the header in error messages; nothing is written when the file has a
problem. See docs/proof.md for the statistics.`;

/** `assent readout`: the statistics of an experiment from a CSV file. */
export function readoutCommand(): Command {
  return experimentOptions(
    new Command("readout").description(
      "read out an experiment from a CSV file: per arm n, mean and sd; difference, lift and test against the control; sample-ratio check against the designed allocation; CUPED",
    ),
  )
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["table", "json", "markdown", "html"])
        .default("table"),
    )
    .option("--out <file>", "write to this file instead of standard output")
    .addHelpText("after", EXAMPLE)
    .action((flags: ReadoutFlags) => reportAppError(() => runReadout(flags)));
}

async function runReadout(flags: ReadoutFlags): Promise<void> {
  const { readout, source } = readoutFromFlags(flags);
  const text = await formatted(readout, source, flags.format);
  if (flags.out === undefined) process.stdout.write(text);
  else writeFileAtomically(flags.out, text);
}

async function formatted(readout: Readout, source: string, format: Format): Promise<string> {
  const input = { title: `Readout of ${source}`, source, readout };
  if (format === "json") return `${JSON.stringify(readout, null, 2)}\n`;
  if (format === "table") return readoutText(readout);
  if (format === "markdown") return reportMarkdown(input);
  const charts = readout.metrics.map((metric) =>
    armMeansChart(metric, readout.control, readout.confidence),
  );
  const rendered = [];
  for (const chart of charts) rendered.push(await renderChart(chart));
  return reportHtml(input, rendered);
}
