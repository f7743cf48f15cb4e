/**
 * The campaign node's model and targeting cut-off, from a trained artifact: what goes into the
 * retail playbook's `category-campaign` node (`model:` with its `min_score`, and `eligibility:`).
 */

import { stringify } from "yaml";
import type { ScoringModel } from "../../engine/node.ts";
import type { UpliftArtifact } from "./artifact.ts";

/** The node's base rule: customers who bought in a category within the past twelve months. */
export const BASE_ELIGIBILITY = "(retail.mens || retail.womens) && retail.recency <= 12.0";

/** The visit model(s) of the chosen targeting, as the engine scores them. */
export function nodeModel(artifact: UpliftArtifact): ScoringModel {
  const { treated, control } = artifact.models;
  const base = {
    id: artifact.model.id,
    version: artifact.model.version,
    treated: round(treated.visit),
    // The node targets by the model: eligible at or above the held-out half's cut-off.
    minScore: round6(artifact.targeting.cutoff),
  };
  if (artifact.targeting.by === "propensity") return { ...base, kind: "propensity" };
  return { ...base, kind: "uplift", control: round(control.visit) };
}

/** The `model:` and `eligibility:` YAML of the node, to paste into the retail playbook. */
export function nodeYaml(artifact: UpliftArtifact): string {
  const { minScore, ...model } = nodeModel(artifact);
  return stringify(
    { eligibility: BASE_ELIGIBILITY, model: { ...model, min_score: minScore } },
    { lineWidth: 100 },
  );
}

function round(logistic: { intercept: number; coefficients: Record<string, number> }) {
  const coefficients: Record<string, number> = {};
  for (const [key, value] of Object.entries(logistic.coefficients))
    coefficients[key] = round6(value);
  return { intercept: round6(logistic.intercept), coefficients };
}

/** Six significant digits: the node's file stays readable, scores move by about 1e-6. */
function round6(value: number): number {
  return Number(value.toPrecision(6));
}
