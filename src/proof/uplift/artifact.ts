/**
 * The trained model as a versioned JSON artifact with its model card: what it was trained on,
 * which catalog attributes it reads and for which purposes, how it did on the held-out half,
 * what it is for and where it stops being trustworthy.
 */

import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../../app/errors.ts";
import type { Catalog } from "../../playbook/catalog.ts";
import type { QiniCurve } from "./evaluate.ts";
import { FEATURES } from "./features.ts";
import type { LinearFit } from "./outcome-models.ts";
import type { TrainingRun } from "./train.ts";
import type { ArmModels, Outcome, TwoModelUplift } from "./two-model.ts";

export const ARTIFACT_FORMAT = "assent.uplift-model";
export const ARTIFACT_FORMAT_VERSION = 1;

/** The purpose the model serves: the retail campaign node's. */
export const MODEL_PURPOSE = "marketing.campaigns";

const Logistic = z.strictObject({
  intercept: z.number(),
  coefficients: z.record(z.string(), z.number()),
});
const ArmJson = z.strictObject({ visit: Logistic, conversion: Logistic, amount: Logistic });
const Slice = z.strictObject({
  customers: z.number(),
  treated: z.number(),
  control: z.number(),
  treatedMean: z.number(),
  controlMean: z.number(),
  incremental: z.number(),
  low: z.number(),
  high: z.number(),
});
const Qini = z.strictObject({
  points: z.array(z.strictObject({ fraction: z.number(), incremental: z.number() })),
  coefficient: z.number(),
});
const Segment = z.enum(["Mens E-Mail", "Womens E-Mail", "No E-Mail"]);
const OutcomeName = z.enum(["visit", "conversion", "spend"]);

/** The artifact's schema: what `assent uplift train` writes and the other commands read. */
export const UpliftArtifact = z.strictObject({
  format: z.literal(ARTIFACT_FORMAT),
  formatVersion: z.literal(ARTIFACT_FORMAT_VERSION),
  model: z.strictObject({ id: z.string(), version: z.string(), estimator: z.string() }),
  training: z.strictObject({
    file: z.string(),
    sha256: z.string(),
    rows: z.number(),
    seed: z.number(),
    split: z.string(),
    treatment: Segment,
    control: Segment,
    l2: z.number(),
    /** The penalty on the treated-minus-control weights, chosen by cross-validation. */
    differenceL2: z.number(),
    customers: z.strictObject({ training: z.record(z.string(), z.number()), heldOut: z.number() }),
  }),
  features: z.array(
    z.strictObject({
      key: z.string(),
      attribute: z.string(),
      purposes: z.array(z.string()),
      use: z.string(),
    }),
  ),
  models: z.strictObject({ treated: ArmJson, control: ArmJson }),
  metrics: z.strictObject({
    qini: z.record(OutcomeName, z.strictObject({ uplift: Qini, propensity: Qini })),
    overall: z.record(OutcomeName, Slice),
    targeting: z.array(
      Slice.extend({
        outcome: OutcomeName,
        strategy: z.enum(["uplift", "propensity", "random"]),
        fraction: z.number(),
      }),
    ),
  }),
  targeting: z.strictObject({
    outcome: z.literal("visit"),
    share: z.number(),
    by: z.enum(["uplift", "propensity"]),
    cutoff: z.number(),
    rule: z.string(),
    evidence: z.record(z.enum(["uplift", "propensity", "random"]), Slice),
  }),
  card: z.strictObject({
    trainingData: z.string(),
    window: z.string(),
    purpose: z.string(),
    intendedUse: z.string(),
    limits: z.array(z.string()),
  }),
});
export type UpliftArtifact = z.infer<typeof UpliftArtifact>;

/** Where the training data came from, for the card. */
export interface TrainingSource {
  readonly file: string;
  readonly sha256: string;
  readonly rows: number;
}

/** Why each attribute is read, in words a privacy officer reviews. */
const USES: Readonly<Record<string, string>> = {
  "retail.recency": "recent buyers respond differently to a campaign e-mail",
  "retail.history": "past-year spend level, a strong predictor of visiting",
  "retail.mens": "whether menswear (the e-mail's category) was bought",
  "retail.womens": "whether womenswear was bought",
  "retail.newbie": "new customers respond differently from established ones",
  "retail.zip_code": "kind of area (urban, suburban, rural), never the postcode",
  "retail.channel": "where the customer buys (phone, web or both)",
};

/**
 * The artifact of a training run. Throws an AppError when a feature's catalog attribute is
 * missing or not declared for the model's purpose: a model may read only what the catalog
 * allows for marketing.campaigns.
 */
export function toArtifact(
  run: TrainingRun,
  source: TrainingSource,
  catalog: Catalog,
  l2: number,
): UpliftArtifact {
  const { model } = run;
  return {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    model: {
      id: "category-visit",
      version: `1.0.0+seed.${run.seed}`,
      estimator:
        "two-model, fitted jointly: L2 logistic (visit, conversion), ridge amount × conversion " +
        "(spend); the treated-minus-control weights penalised by a cross-validated differenceL2",
    },
    training: {
      ...source,
      seed: run.seed,
      split: "50/50 of all rows, sfc32 Fisher–Yates shuffle by the seed (src/simulator/random.ts)",
      treatment: model.treatment,
      control: model.control,
      l2,
      differenceL2: model.differenceL2,
      customers: {
        training: {
          [model.treatment]: model.counts.treated,
          [model.control]: model.counts.control,
        },
        heldOut: run.scored.length,
      },
    },
    features: featurePurposes(catalog),
    models: { treated: armJson(model.treated), control: armJson(model.untreated) },
    metrics: { qini: qiniJson(run.qini), overall: run.overall, targeting: [...run.targeting] },
    targeting: run.choice,
    card: modelCard(model),
  };
}

function qiniJson(qini: TrainingRun["qini"]): UpliftArtifact["metrics"]["qini"] {
  const copy = (curve: QiniCurve) => ({
    points: curve.points.map((point) => ({ ...point })),
    coefficient: curve.coefficient,
  });
  const pair = (outcome: Outcome) => ({
    uplift: copy(qini[outcome].uplift),
    propensity: copy(qini[outcome].propensity),
  });
  return { visit: pair("visit"), conversion: pair("conversion"), spend: pair("spend") };
}

function featurePurposes(catalog: Catalog): UpliftArtifact["features"] {
  return FEATURES.map((feature) => {
    const spec = catalog.attributes.get(feature.attribute);
    if (spec === undefined || !spec.purposes.includes(MODEL_PURPOSE)) {
      const found = spec === undefined ? "not in the catalog" : `for ${spec.purposes.join(", ")}`;
      throw new AppError("invalid_request", "the model reads an attribute it may not use", [
        {
          pointer: `catalog attribute ${feature.attribute}`,
          expected: `declared for purpose ${MODEL_PURPOSE} (it is ${found})`,
        },
      ]);
    }
    const use = USES[feature.attribute] ?? "model input";
    return { key: feature.key, attribute: feature.attribute, purposes: [...spec.purposes], use };
  });
}

function modelCard(model: TwoModelUplift): UpliftArtifact["card"] {
  return {
    trainingData:
      `Hillstrom e-mail experiment (MineThatData, 2008): 64,000 customers of a US catalogue ` +
      `retailer randomised into a men's e-mail, a women's e-mail and no e-mail. This model ` +
      `compares ${model.treatment} (treated) with ${model.control} (control).`,
    window:
      "Features describe the twelve months before the e-mail; outcomes (visit, conversion, " +
      "spend) the two weeks after it.",
    purpose: MODEL_PURPOSE,
    intendedUse:
      "Choosing which consenting customers the retail category-campaign node e-mails: its " +
      "score is the node's choice score and its cut-off the node's targeting rule. Nothing else.",
    limits: [
      "One 2008 US retailer and one e-mail; refit before trusting it on other customers or offers.",
      "Main-effects logistic models: no interactions between features; scores are not calibrated outside this population.",
      `The treated model differs from the control model only as far as the cross-validated penalty on the difference (differenceL2 = ${model.differenceL2}) lets it; a ranking by uplift is then close to one by the chance of a visit, and on this data ranking by that chance if e-mailed did about as well (see metrics and targeting).`,
      "Spend is too sparse (about 1% buy) to rank customers by: its intervals are reported, no winner is claimed.",
      "Judged on one seeded held-out half; see `assent uplift study` for the spread over many splits.",
      "Never for pricing, credit, service eligibility or any purpose other than marketing.campaigns.",
    ],
  };
}

function armJson(arm: ArmModels): UpliftArtifact["models"]["treated"] {
  return {
    visit: fitJson(arm.visit),
    conversion: fitJson(arm.conversion),
    amount: fitJson(arm.amount),
  };
}

function fitJson(fit: LinearFit): { intercept: number; coefficients: Record<string, number> } {
  const coefficients: Record<string, number> = {};
  FEATURES.forEach((feature, index) => {
    coefficients[feature.key] = fit.weights[index] ?? 0;
  });
  return { intercept: fit.intercept, coefficients };
}

/** Reads and validates an artifact; a bad file names the field. */
export function readArtifact(path: string): UpliftArtifact {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AppError("malformed_json", `${path} is not JSON`, [
      { pointer: path, expected: "a model file written by assent uplift train" },
    ]);
  }
  const parsed = UpliftArtifact.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new AppError(
    "invalid_request",
    `${path} is not an uplift model file (format ${ARTIFACT_FORMAT} v${ARTIFACT_FORMAT_VERSION})`,
    parsed.error.issues.slice(0, 20).map((issue) => ({
      pointer: `/${issue.path.join("/")}`,
      expected: issue.message,
    })),
  );
}

/** The two-model estimator back from an artifact, for scoring. */
export function modelOf(artifact: UpliftArtifact): TwoModelUplift {
  const { training, models } = artifact;
  return {
    treatment: training.treatment,
    control: training.control,
    treated: armOf(models.treated),
    untreated: armOf(models.control),
    counts: {
      treated: training.customers.training[training.treatment] ?? 0,
      control: training.customers.training[training.control] ?? 0,
    },
    differenceL2: training.differenceL2,
  };
}

function armOf(arm: UpliftArtifact["models"]["treated"]): ArmModels {
  return { visit: fitOf(arm.visit), conversion: fitOf(arm.conversion), amount: fitOf(arm.amount) };
}

function fitOf(json: z.infer<typeof Logistic>) {
  const weights = Float64Array.from(FEATURES, (f) => json.coefficients[f.key] ?? 0);
  return { intercept: json.intercept, weights, iterations: 0 };
}
