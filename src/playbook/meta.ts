/**
 * What a node says about its value — KPI, outcomes, costs, payback, experiment outcome and
 * guardrails. The engine does not read these; readouts and value reviews do.
 */

import { durationMs } from "./durations.ts";
import type { ExperimentOutcome, PlaybookNode } from "./playbook-schema.ts";

/**
 * A guardrail's stop-loss: `+0.5pp` is `{ kind: "points", change: 0.005 }` (a rate moving by
 * half a percentage point), `+10%` is `{ kind: "relative", change: 0.1 }`, `+3` is absolute.
 */
export interface StopLoss {
  readonly kind: "points" | "relative" | "absolute";
  readonly change: number;
}

export interface NodeCosts {
  readonly perMessage: number;
  readonly perTask: number;
  readonly perInference: number;
  readonly monthlyFixed: number;
  /** Integration and set-up, paid once. */
  readonly oneOff: number;
}

export interface NodeMeta {
  readonly description?: string;
  readonly kpi?: string;
  readonly outcomes: readonly { readonly metric: string; readonly unitValue: number }[];
  /** Costs not written are zero. */
  readonly costs: NodeCosts;
  readonly paybackMonths?: number;
  readonly experimentOutcome?: {
    readonly event: string;
    readonly withinMs: number;
    readonly metric: string;
    readonly better: "higher" | "lower";
  };
  readonly guardrails: readonly { readonly metric: string; readonly stopLoss: StopLoss }[];
}

/**
 * The value-related fields of a schema-valid node.
 *
 * @example nodeMeta(node).costs.perMessage // 0.004
 */
export function nodeMeta(node: PlaybookNode): NodeMeta {
  const outcome = node.experiment?.outcome;
  return {
    ...(node.description === undefined ? {} : { description: node.description }),
    ...(node.kpi === undefined ? {} : { kpi: node.kpi }),
    outcomes: node.outcomes.map(({ metric, unit_value }) => ({ metric, unitValue: unit_value })),
    costs: nodeCosts(node),
    ...(node.payback === undefined ? {} : { paybackMonths: node.payback.months }),
    ...(outcome === undefined ? {} : { experimentOutcome: experimentOutcome(outcome) }),
    guardrails: (node.experiment?.guardrails ?? []).map(({ metric, stop_loss }) => ({
      metric,
      stopLoss: parseStopLoss(stop_loss),
    })),
  };
}

function experimentOutcome(outcome: ExperimentOutcome): NodeMeta["experimentOutcome"] {
  const { event, within, metric, better } = outcome;
  return { event, withinMs: durationMs(within), metric, better };
}

function nodeCosts(node: PlaybookNode): NodeCosts {
  const costs = node.costs ?? {};
  return {
    perMessage: costs.per_message ?? 0,
    perTask: costs.per_task ?? 0,
    perInference: costs.per_inference ?? 0,
    monthlyFixed: costs.monthly_fixed ?? 0,
    oneOff: costs.one_off ?? 0,
  };
}

/**
 * A stop-loss as written (`+0.5pp`, `+10%`, `+3`), already validated by the schema.
 *
 * @example parseStopLoss("+0.5pp") // { kind: "points", change: 0.005 }
 */
export function parseStopLoss(text: string): StopLoss {
  const number = Number.parseFloat(text);
  if (text.endsWith("pp")) return { kind: "points", change: number / 100 };
  if (text.endsWith("%")) return { kind: "relative", change: number / 100 };
  return { kind: "absolute", change: number };
}
