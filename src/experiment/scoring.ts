/**
 * Scoring with a node's logistic model over the context bundle. Pure; reads only the features
 * it is given, which the engine draws from the bundle alone (the retrieval boundary).
 */

import type { LogisticModel, ScoringModel } from "../engine/node.ts";
import type { AttributeValue } from "../engine/types.ts";

/**
 * Feature values by attribute name, as a record, a lookup, or a profile (attribute name to its
 * state); an absent or undefined attribute counts as 0.
 */
export type Features =
  | Readonly<Record<string, AttributeValue | undefined>>
  | ((name: string) => AttributeValue | undefined)
  | ReadonlyMap<string, { readonly value: AttributeValue }>;

export interface ModelScore {
  /** Propensity: p in [0, 1]. Uplift: p(treated) − p(control), in [−1, 1]. */
  readonly score: number;
  /** In [0, 1]: how far the model's probabilities sit from a coin toss (see scoreModel). */
  readonly confidence: number;
}

/**
 * Logistic score over bundle attribute values; uplift = p(treated) − p(control).
 *
 * Each model computes p = sigmoid(intercept + Σ w·x) with one term per feature:
 * - a number x uses the coefficient keyed by the attribute name;
 * - a boolean is 1 or 0 on that same coefficient;
 * - a string is one-hot: the coefficient keyed `attribute=value` (1 if present, else nothing);
 * - a string list is one-hot per distinct element, `attribute=element` each;
 * - an absent attribute, or one without a matching coefficient, adds 0.
 *
 * Confidence is |2p − 1| for a propensity model: 0 at p = 0.5, 1 at certainty. For an uplift
 * model it is the smaller of the two models' |2p − 1|, since the difference is only as sure as
 * its less certain half.
 *
 * Throws for an uplift model without a control model, and when the linear predictor is not
 * finite (a NaN or infinite feature under a coefficient): both are internal faults, which the
 * engine turns into a fail-closed decision.
 *
 * @example
 * const model = {
 *   id: "renewal",
 *   version: "3",
 *   kind: "propensity",
 *   treated: { intercept: -1, coefficients: { "account.seats": 0.1, "account.plan=gold": 0.5 } },
 * } as const;
 * scoreModel(model, { "account.seats": 10, "account.plan": "gold" });
 * // sigmoid(−1 + 10 · 0.1 + 0.5): { score: 0.6224593312018546, confidence: 0.2449186624037092 }
 */
export function scoreModel(model: ScoringModel, features: Features): ModelScore {
  if (model.kind === "propensity") {
    const p = probability(model, model.treated, features);
    return { score: p, confidence: certainty(p) };
  }

  if (model.control === undefined) {
    throw new Error(`uplift model ${model.id}@${model.version} has no control model`);
  }

  const treated = probability(model, model.treated, features);
  const control = probability(model, model.control, features);
  return {
    score: treated - control,
    confidence: Math.min(certainty(treated), certainty(control)),
  };
}

function probability(model: ScoringModel, logistic: LogisticModel, features: Features): number {
  const z = linearPredictor(logistic, features);
  if (!Number.isFinite(z)) {
    throw new Error(`model ${model.id}@${model.version}: linear predictor is ${z}`);
  }
  return 1 / (1 + Math.exp(-z));
}

/**
 * What one bundle attribute can contribute: a coefficient for its number or boolean, and one per
 * category value for its string or list elements.
 */
interface AttributeTerms {
  weight: number;
  readonly categories: Map<string, number>;
}

/** A logistic model indexed by attribute, so scoring allocates no `attribute=value` strings. */
interface IndexedModel {
  readonly intercept: number;
  readonly terms: ReadonlyMap<string, AttributeTerms>;
  /** The same terms as parallel arrays, for the hot loop. */
  readonly names: readonly string[];
  readonly termList: readonly AttributeTerms[];
}

// Models are immutable and live as long as their release, so each is indexed once and the
// index dies with it. The cache is invisible to callers: a result depends only on the model.
const indexed = new WeakMap<LogisticModel, IndexedModel>();

function linearPredictor(logistic: LogisticModel, features: Features): number {
  const model = indexed.get(logistic) ?? indexModel(logistic);
  if (features instanceof Map) return profileSum(model, features);
  const read =
    typeof features === "function"
      ? features
      : (name: string) => (features as Readonly<Record<string, AttributeValue>>)[name];
  let sum = model.intercept;
  // One lookup per term of the model, so the cost follows the model, not the bundle.
  const { names, termList } = model;
  for (let index = 0; index < names.length; index++) {
    const value = read(names[index] ?? "");
    const terms = termList[index];
    if (value !== undefined && terms !== undefined) sum += term(terms, value);
  }
  return sum;
}

/** The same sum read straight from a profile: the engine's hot path, with no closure. */
function profileSum(
  model: IndexedModel,
  profile: ReadonlyMap<string, { readonly value: AttributeValue }>,
): number {
  let sum = model.intercept;
  const { names, termList } = model;
  for (let index = 0; index < names.length; index++) {
    const value = profile.get(names[index] ?? "")?.value;
    const terms = termList[index];
    if (value !== undefined && terms !== undefined) sum += term(terms, value);
  }
  return sum;
}

function term(terms: AttributeTerms, value: AttributeValue): number {
  // A zero weight also keeps a NaN feature the model does not use out of the sum.
  if (typeof value === "number") return terms.weight === 0 ? 0 : terms.weight * value;
  if (typeof value === "boolean") return value ? terms.weight : 0;
  if (typeof value === "string") return terms.categories.get(value) ?? 0;
  return listTerm(terms.categories, value);
}

/** One-hot per distinct element: a list is a set of indicators, so a repeat counts once. */
function listTerm(categories: ReadonlyMap<string, number>, values: readonly string[]): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value !== undefined && values.indexOf(value) === index) sum += categories.get(value) ?? 0;
  }
  return sum;
}

function indexModel(logistic: LogisticModel): IndexedModel {
  const terms = new Map<string, AttributeTerms>();
  for (const [key, weight] of Object.entries(logistic.coefficients)) {
    termsOf(terms, key).weight = weight;

    // `a=b=c` may be attribute `a` with value `b=c` or attribute `a=b` with value `c`: index
    // every reading, so a string value v of attribute n finds exactly the key `${n}=${v}`.
    for (let cut = key.indexOf("="); cut >= 0; cut = key.indexOf("=", cut + 1)) {
      termsOf(terms, key.slice(0, cut)).categories.set(key.slice(cut + 1), weight);
    }
  }

  const model = {
    intercept: logistic.intercept,
    terms,
    names: [...terms.keys()],
    termList: [...terms.values()],
  };
  indexed.set(logistic, model);
  return model;
}

function termsOf(terms: Map<string, AttributeTerms>, name: string): AttributeTerms {
  const existing = terms.get(name);
  if (existing !== undefined) return existing;

  const created = { weight: 0, categories: new Map<string, number>() };
  terms.set(name, created);
  return created;
}

function certainty(p: number): number {
  return Math.abs(2 * p - 1);
}
