/**
 * The value review's assumptions from a decision node of the deployment (unit values, costs,
 * payback target, through the playbook loader), each overridable by a flag.
 */

import type { Deployment, LoadedPlaybook } from "../../playbook/loader.ts";
import type { NodeMeta } from "../../playbook/meta.ts";
import { type InputProblem, ProofInputError } from "../input-error.ts";
import type { ValueAssumptions } from "./value-review.ts";

/** Figures given on the command line; each replaces the node's. */
export interface ValueOverrides {
  readonly valueMetric?: string;
  readonly unitValue?: number;
  readonly perMessage?: number;
  readonly perInference?: number;
  readonly monthlyFixed?: number;
  readonly runningCostShare?: number;
  readonly oneOff?: number;
  readonly paybackMonths?: number;
  readonly sendsPerMonth?: number;
}

/** A node found in the deployment, with the playbook that declares it. */
export interface FoundNode {
  readonly playbook: LoadedPlaybook;
  readonly nodeId: string;
  readonly meta: NodeMeta;
}

/**
 * The node `nodeId` of any playbook of the deployment, or a problem naming the nodes there are.
 *
 * @example findNode(loadDeploymentFromDir("examples"), "category-campaign")
 */
export function findNode(deployment: Deployment, nodeId: string): FoundNode {
  for (const playbook of deployment.playbooks) {
    const meta = playbook.meta.get(nodeId);
    if (meta !== undefined) return { playbook, nodeId, meta };
  }
  const known = deployment.playbooks.flatMap((playbook) => [...playbook.meta.keys()]);
  throw new ProofInputError("value review", [
    { where: "--node", problem: `no node "${nodeId}"; the playbooks declare ${known.join(", ")}` },
  ]);
}

/**
 * The assumptions for valuing `metrics` (the readout's): the node's where it states them, the
 * flags over them. Throws a `ProofInputError` naming each figure that is missing.
 *
 * @example valueAssumptions(findNode(deployment, "category-campaign"), {}, ["visit", "spend"])
 * // { metric: "spend", unitValue: 0.35, perMessage: 0.001, paybackMonths: 2, … }
 */
export function valueAssumptions(
  node: FoundNode | undefined,
  overrides: ValueOverrides,
  metrics: readonly string[],
): ValueAssumptions {
  const problems: InputProblem[] = [];
  const metric = valuedMetric(node?.meta, overrides, metrics, problems);
  const unitValue =
    overrides.unitValue ??
    node?.meta.outcomes.find((outcome) => outcome.metric === metric)?.unitValue;
  const paybackMonths = overrides.paybackMonths ?? node?.meta.paybackMonths;
  if (metric !== undefined && unitValue === undefined) {
    problems.push({
      where: "--unit-value",
      problem: `give the value of one unit of ${metric}${fromNode(node)}`,
    });
  }
  if (paybackMonths === undefined) {
    problems.push({
      where: "--payback-months",
      problem: `give the payback target in months${fromNode(node)}`,
    });
  }
  if (metric === undefined || unitValue === undefined || paybackMonths === undefined) {
    throw new ProofInputError("value review", problems);
  }
  const costs = node?.meta.costs;
  const outcome = node?.meta.experimentOutcome;
  return {
    metric,
    unitValue,
    better: outcome?.metric === metric ? outcome.better : "higher",
    perMessage: overrides.perMessage ?? costs?.perMessage ?? 0,
    perInference: overrides.perInference ?? costs?.perInference ?? 0,
    monthlyFixed: overrides.monthlyFixed ?? costs?.monthlyFixed ?? 0,
    runningCostShare: overrides.runningCostShare ?? 1,
    oneOff: overrides.oneOff ?? costs?.oneOff ?? 0,
    paybackMonths,
    ...(overrides.sendsPerMonth === undefined ? {} : { sendsPerMonth: overrides.sendsPerMonth }),
    sources: sources(node, overrides),
  };
}

/**
 * The flag's metric, else the node's experiment outcome, else its first valued metric, else the
 * readout's only metric.
 */
function valuedMetric(
  meta: NodeMeta | undefined,
  overrides: ValueOverrides,
  metrics: readonly string[],
  problems: InputProblem[],
): string | undefined {
  const candidates = [
    meta?.experimentOutcome?.metric,
    ...(meta?.outcomes.map((outcome) => outcome.metric) ?? []),
  ];
  const metric =
    overrides.valueMetric ??
    candidates.find((name) => name !== undefined && metrics.includes(name)) ??
    (metrics.length === 1 ? metrics[0] : undefined);
  if (metric !== undefined && metrics.includes(metric)) return metric;
  const where = "--value-metric";
  const named = metrics.join(", ");
  problems.push({
    where,
    problem:
      metric === undefined
        ? `name the metric to value, one of ${named}`
        : `"${metric}" is not a --metric of this readout (${named})`,
  });
  return undefined;
}

function fromNode(node: FoundNode | undefined): string {
  return node === undefined
    ? " (or --node to read it from a playbook)"
    : ` (node ${node.nodeId} has none)`;
}

function sources(node: FoundNode | undefined, overrides: ValueOverrides): string[] {
  const flags = Object.entries(overrides)
    .filter(([, value]) => value !== undefined)
    .map(([name]) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
  const nodeSource =
    node === undefined
      ? []
      : [`node ${node.nodeId} of playbook ${node.playbook.name} v${node.playbook.version}`];
  return [...nodeSource, ...(flags.length === 0 ? [] : [`flags ${flags.join(", ")}`])];
}
