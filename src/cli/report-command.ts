import { Command } from "commander";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import type { Readout } from "../proof/readout/readout.ts";
import { buildReport, writeReportFiles } from "../proof/report/build-report.ts";
import { readQiniCurve } from "../proof/report/qini-input.ts";
import type { ReportInput } from "../proof/report/report-input.ts";
import {
  findNode,
  type ValueOverrides,
  valueAssumptions,
} from "../proof/value/node-assumptions.ts";
import { type ValueReview, valueReview } from "../proof/value/value-review.ts";
import {
  type ExperimentFlags,
  experimentOptions,
  finiteNumber,
  numberAtLeast,
  readoutFromFlags,
} from "./proof-options.ts";
import { reportAppError } from "./report-error.ts";

interface ReportFlags extends ExperimentFlags, ValueOverrides {
  readonly out: string;
  readonly title?: string;
  readonly node?: string;
  readonly playbooks: string;
  readonly qini?: string;
  readonly qiniOutcome?: string;
}

const EXAMPLE = `
Example (the Hillstrom e-mail experiment valued with the retail campaign node):
  $ assent report --csv hillstrom.csv --arm segment --control "No E-Mail" \\
      --allocation "Mens E-Mail=1,Womens E-Mail=1,No E-Mail=1" \\
      --metric visit:binary --metric conversion:binary --metric spend --covariate history \\
      --node category-campaign --out report

Writes DIR/report.md, DIR/report.html (self-contained, charts inline) and one PNG per chart.
The value review runs when a node (--node) or the flags give a unit value and a payback
target; the flags override the node's figures. Nothing is written when any input has a problem.`;

/** `assent report`: the readout, value review and charts as files a person reads. */
export function reportCommand(): Command {
  const command = experimentOptions(
    new Command("report").description(
      "write an experiment report (Markdown, self-contained HTML, PNG charts): readout, value review against the node's payback target, and the Qini curve when given",
    ),
  );
  return valueOptions(command)
    .requiredOption("--out <dir>", "folder to write report.md, report.html and the PNG charts into")
    .option("--title <text>", "the report's title")
    .option(
      "--qini <file[#/pointer]>",
      'a Qini curve as JSON: {"points":[{"fraction":0,"incremental":0},…],"coefficient":…,"outcome":"visit"}; #/pointer picks it out of a larger file, e.g. evaluation.json#/qini/visit/uplift from `assent uplift evaluate --json`',
    )
    .option("--qini-outcome <name>", "what the Qini curve counts (default: its outcome field)")
    .addHelpText("after", EXAMPLE)
    .action((flags: ReportFlags) => reportAppError(() => runReport(flags)));
}

function valueOptions(command: Command): Command {
  const money = (name: string) => numberAtLeast(name, 0);
  return command
    .option(
      "--node <id>",
      "the decision node whose unit values, costs and payback target value the result",
    )
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--value-metric <metric>",
      "the metric to value (default: the node's experiment outcome)",
    )
    .option(
      "--unit-value <amount>",
      "value of one unit of the valued metric",
      finiteNumber("--unit-value"),
    )
    .option("--per-message <amount>", "cost of one message", money("--per-message"))
    .option("--per-inference <amount>", "cost of scoring one subject", money("--per-inference"))
    .option(
      "--monthly-fixed <amount>",
      "the node's running costs a month",
      money("--monthly-fixed"),
    )
    .option(
      "--running-cost-share <share>",
      "share of the running costs charged to this campaign, 0 to 1 (default 1)",
      numberAtLeast("--running-cost-share", 0, 1),
    )
    .option("--one-off <amount>", "integration and set-up cost, paid once", money("--one-off"))
    .option(
      "--payback-months <months>",
      "payback target in months",
      numberAtLeast("--payback-months", 0.01),
    )
    .option(
      "--sends-per-month <n>",
      "treated subjects a month (default: the treatment arm's size)",
      numberAtLeast("--sends-per-month", 0),
    );
}

async function runReport(flags: ReportFlags): Promise<void> {
  const { readout, source } = readoutFromFlags(flags);
  const curve = flags.qini === undefined ? undefined : readQiniCurve(flags.qini);
  const outcome = flags.qiniOutcome ?? curve?.outcome;
  const qini =
    curve === undefined ? undefined : { ...curve, ...(outcome === undefined ? {} : { outcome }) };
  const value = reviewFromFlags(flags, readout);
  const input: ReportInput = {
    title: flags.title ?? `Experiment report: ${source}`,
    source,
    readout,
    ...(value === undefined ? {} : { value }),
    ...(qini === undefined ? {} : { qini }),
  };
  const files = await buildReport(input);
  const written = writeReportFiles(flags.out, files);
  process.stdout.write(`${written.join("\n")}\n`);
}

/** The value review when a node or the flags give enough to value the result. */
function reviewFromFlags(flags: ReportFlags, readout: Readout): ValueReview | undefined {
  const node =
    flags.node === undefined
      ? undefined
      : findNode(loadDeploymentFromDir(flags.playbooks), flags.node);
  if (node === undefined && flags.unitValue === undefined) return undefined;
  const overrides: ValueOverrides = {
    valueMetric: flags.valueMetric,
    unitValue: flags.unitValue,
    perMessage: flags.perMessage,
    perInference: flags.perInference,
    monthlyFixed: flags.monthlyFixed,
    runningCostShare: flags.runningCostShare,
    oneOff: flags.oneOff,
    paybackMonths: flags.paybackMonths,
    sendsPerMonth: flags.sendsPerMonth,
  };
  const metrics = readout.metrics.map((metric) => metric.metric);
  return valueReview(readout, valueAssumptions(node, overrides, metrics));
}
