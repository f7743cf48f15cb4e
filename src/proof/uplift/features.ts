/**
 * The model features of a Hillstrom customer, named as the catalog's `retail.*` attributes and
 * coded the way the engine scores a node's model (src/experiment/scoring.ts): a number as
 * itself, a boolean as 1 or 0, a category one-hot as `attribute=value`. A category's first
 * value (Suburban, Phone) is the baseline and has no coefficient.
 */

import type { AttributeValue } from "../../engine/types.ts";
import type { HillstromCustomer } from "../hillstrom/hillstrom.ts";

/** One model input: its coefficient key, the catalog attribute it reads, and its value. */
export interface Feature {
  readonly key: string;
  /** How the engine reads it: a number, a boolean (1 or 0), or one category value. */
  readonly kind: "number" | "flag" | "category";
  readonly attribute: string;
  readonly value: (customer: HillstromCustomer) => number;
}

const flag = (value: boolean) => (value ? 1 : 0);

/** The features, in the order of a design row. */
export const FEATURES: readonly Feature[] = [
  { key: "retail.recency", kind: "number", attribute: "retail.recency", value: (c) => c.recency },
  { key: "retail.history", kind: "number", attribute: "retail.history", value: (c) => c.history },
  { key: "retail.mens", kind: "flag", attribute: "retail.mens", value: (c) => flag(c.mens) },
  { key: "retail.womens", kind: "flag", attribute: "retail.womens", value: (c) => flag(c.womens) },
  { key: "retail.newbie", kind: "flag", attribute: "retail.newbie", value: (c) => flag(c.newbie) },
  {
    kind: "category",
    key: "retail.zip_code=Urban",
    attribute: "retail.zip_code",
    value: (c) => flag(c.zipCode === "Urban"),
  },
  {
    kind: "category",
    key: "retail.zip_code=Rural",
    attribute: "retail.zip_code",
    value: (c) => flag(c.zipCode === "Rural"),
  },
  {
    kind: "category",
    key: "retail.channel=Web",
    attribute: "retail.channel",
    value: (c) => flag(c.channel === "Web"),
  },
  {
    kind: "category",
    key: "retail.channel=Multichannel",
    attribute: "retail.channel",
    value: (c) => flag(c.channel === "Multichannel"),
  },
];

/** The catalog attributes the features read, each once, in feature order. */
export const FEATURE_ATTRIBUTES: readonly string[] = [
  ...new Set(FEATURES.map((feature) => feature.attribute)),
];

/** A customer's design row, in FEATURES order. */
export function designRow(customer: HillstromCustomer): Float64Array {
  const row = new Float64Array(FEATURES.length);
  FEATURES.forEach((feature, index) => {
    row[index] = feature.value(customer);
  });
  return row;
}

/** The customer's profile as the campaign node's bundle holds it (the catalog's attributes). */
export function retailProfile(customer: HillstromCustomer): Record<string, AttributeValue> {
  return {
    "retail.recency": customer.recency,
    "retail.history": customer.history,
    "retail.mens": customer.mens,
    "retail.womens": customer.womens,
    "retail.zip_code": customer.zipCode,
    "retail.newbie": customer.newbie,
    "retail.channel": customer.channel,
  };
}
