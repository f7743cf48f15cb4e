/**
 * The campaign node's model and targeting rule, from a trained artifact: what goes into the
 * retail playbook's `category-campaign` node (`model:` and the cut-off in `eligibility:`).
 */

import { stringify } from "yaml";
import { AppError } from "../../app/errors.ts";
import type { ScoringModel } from "../../engine/node.ts";
import type { UpliftArtifact } from "./artifact.ts";
import { FEATURES, type Feature } from "./features.ts";

/** The node's base rule: customers who bought in a category within the past twelve months. */
export const BASE_ELIGIBILITY = "(retail.mens || retail.womens) && retail.recency <= 12.0";

/** The visit model(s) of the chosen targeting, as the engine scores them. */
export function nodeModel(artifact: UpliftArtifact): ScoringModel {
  const { treated, control } = artifact.models;
  const base = {
    id: artifact.model.id,
    version: artifact.model.version,
    treated: round(treated.visit),
  };
  if (artifact.targeting.by === "propensity") return { ...base, kind: "propensity" };
  return { ...base, kind: "uplift", control: round(control.visit) };
}

/**
 * The targeting cut-off as a CEL condition over the bundle. For propensity targeting the rule
 * is exact: sigmoid is increasing, so p ≥ cut-off ⇔ linear predictor ≥ logit(cut-off), and the
 * linear predictor is a sum CEL can write. Uplift (a difference of two sigmoids) has no such
 * form; CEL has no exp.
 */
export function targetingRule(artifact: UpliftArtifact): string {
  const model = nodeModel(artifact);
  if (model.kind !== "propensity") {
    // TODO(#4): a model cut-off in the engine (model.min_score) would take uplift targeting too.
    throw new AppError("invalid_request", "uplift targeting has no CEL form", [
      {
        pointer: "/targeting/by",
        expected: "propensity (the engine takes a cut-off on a propensity model as a CEL rule)",
      },
    ]);
  }
  const { cutoff } = artifact.targeting;
  const terms = FEATURES.map((feature) => celTerm(feature, model.treated.coefficients));
  const threshold = Math.log(cutoff / (1 - cutoff));
  return `${celDouble(model.treated.intercept)}\n+ ${terms.join("\n+ ")}\n>= ${celDouble(round6(threshold))}`;
}

/** The node's eligibility: its base rule and the targeting cut-off. */
export function nodeEligibility(artifact: UpliftArtifact): string {
  return `${BASE_ELIGIBILITY} && (\n${targetingRule(artifact)}\n)`;
}

/** The `model:` and `eligibility:` YAML of the node, to paste into the retail playbook. */
export function nodeYaml(artifact: UpliftArtifact): string {
  return stringify(
    { eligibility: nodeEligibility(artifact), model: nodeModel(artifact) },
    { lineWidth: 100 },
  );
}

function celTerm(feature: Feature, coefficients: Readonly<Record<string, number>>): string {
  const coefficient = celDouble(coefficients[feature.key] ?? 0);
  const { attribute } = feature;
  if (feature.kind === "number") return `${coefficient} * ${attribute}`;
  if (feature.kind === "flag") return `(${attribute} ? ${coefficient} : 0.0)`;
  const value = feature.key.slice(attribute.length + 1);
  return `(${attribute} == "${value}" ? ${coefficient} : 0.0)`;
}

/** A CEL double literal: always with a decimal point or an exponent. */
function celDouble(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
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
