/**
 * Load-time checks on a node's scoring model and experiment. Paths are relative to the node.
 */

import { waitingNote, waitingOn } from "./check-scope.ts";
import type { NodeScope } from "./node-checks.ts";
import type { Logistic, Model, PlaybookNode } from "./playbook-schema.ts";
import type { Issue } from "./problems.ts";

/** Problems of the node's model: features outside the bundle, a missing or extra control. */
export function modelIssues(
  node: Pick<PlaybookNode, "bundle" | "model">,
  scope: NodeScope,
): Issue[] {
  const model = node.model;
  if (model === undefined) return [];

  const bundle = new Set(node.bundle.map((entry) => entry.replace(/\?$/, "")));
  const issues = [
    ...coefficientIssues(model.treated, "treated", bundle, scope),
    ...(model.control ? coefficientIssues(model.control, "control", bundle, scope) : []),
  ];

  if (model.kind === "uplift" && model.control === undefined) {
    const message = "an uplift model needs a control model; add control or use kind: propensity";
    issues.push({ path: ["model", "control"], message });
  }
  if (model.kind === "propensity" && model.control !== undefined) {
    const message = "a propensity model has no control model; remove control or use kind: uplift";
    issues.push({ path: ["model", "control"], message });
  }
  return [...issues, ...minScoreIssues(model)];
}

/**
 * A cut-off at or beyond the ends of the model's scores lets every subject through or none:
 * refused as unenforceable rather than interpreted.
 */
function minScoreIssues(model: Model): Issue[] {
  const cutOff = model.min_score;
  if (cutOff === undefined) return [];
  const low = model.kind === "propensity" ? 0 : -1;
  if (cutOff > low && cutOff < 1) return [];
  const effect = cutOff <= low ? "lets every subject through" : "lets no subject through";
  const message =
    `min_score ${cutOff} on this ${model.kind} model ${effect}; ` +
    `expected a score strictly between ${low} and 1, or no min_score`;
  return [{ path: ["model", "min_score"], message }];
}

function coefficientIssues(
  logistic: Logistic,
  arm: "treated" | "control",
  bundle: ReadonlySet<string>,
  scope: NodeScope,
): Issue[] {
  return Object.keys(logistic.coefficients).flatMap((key): Issue[] => {
    const path = ["model", arm, "coefficients", key];
    const [name = "", category] = key.split("=", 2);
    const waiting = waitingOn([name], scope);
    if (waiting.length > 0) {
      return [waitingNote(path, `model coefficient ${key} was not checked: it reads`, waiting)];
    }
    if (!bundle.has(name)) {
      const message =
        `model coefficient ${key} reads ${name}, which is not in the node's context bundle: ` +
        `add ${name} to bundle or remove the coefficient`;
      return [{ path, at: "key", message }];
    }

    const type = scope.catalog.attributes.get(name)?.type;
    const categorical = type === "string" || type === "string_list";
    if (categorical && category === undefined) {
      const message = `${name} is a ${type}; name the coefficient ${name}=<value> (one-hot)`;
      return [{ path, at: "key", message }];
    }
    if (!categorical && category !== undefined) {
      const message = `${name} is a ${type}, not a category; name the coefficient ${name}`;
      return [{ path, at: "key", message }];
    }
    return [];
  });
}

/** Problems of the node's experiment: no weight to assign by, a control that is not an arm. */
export function experimentIssues(node: Pick<PlaybookNode, "experiment">): Issue[] {
  const experiment = node.experiment;
  if (experiment === undefined) return [];

  const issues: Issue[] = [];
  const arms = Object.keys(experiment.arms);
  const total = Object.values(experiment.arms).reduce((sum, weight) => sum + weight, 0);
  if (total <= 0) {
    issues.push({
      path: ["experiment", "arms"],
      message:
        "arm weights add up to 0, so no subject can be assigned; give an arm a weight above 0",
    });
  }
  if (!arms.includes(experiment.control)) {
    issues.push({
      path: ["experiment", "control"],
      message:
        `control arm ${experiment.control} is not among the arms (${arms.join(", ") || "none"}); ` +
        "name one of them in control",
    });
  }
  return issues;
}
