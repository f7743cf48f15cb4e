/**
 * Schema pieces shared by catalog, policy and playbook files. Each schema and its type share
 * one name; the JSON Schema files for editors are generated from these.
 */

import { z } from "zod";
import { ACTION_KINDS, CHANNELS, LAWFUL_BASES } from "../engine/types.ts";
import {
  CLOCK_PATTERN,
  DURATION_PATTERN,
  POSITIVE_DURATION_PATTERN,
  parseDuration,
  RETENTION_PATTERN,
  ZERO_DURATION_PATTERN,
} from "./durations.ts";

const DURATION_HINT = "a duration such as 30s, 15m, 24h, 7d or 52w";

/** Ten years: no window, delay or retention is longer, so every instant stays computable. */
const MAX_DURATION_MS = 10 * 31_536_000_000;
const TOO_LONG = "expected at most 10 years (3650d)";
const bounded = (text: string) => (parseDuration(text) ?? 0) <= MAX_DURATION_MS;

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, { error: `expected ${DURATION_HINT}` })
  .refine(bounded, { error: TOO_LONG })
  .meta({ description: DURATION_HINT });
export type Duration = z.infer<typeof Duration>;

/** A duration that may not be zero; `zeroMessage` says why zero is refused. */
export function positiveDuration(zeroMessage: string) {
  return z
    .string()
    .regex(POSITIVE_DURATION_PATTERN, {
      error: (issue) =>
        typeof issue.input === "string" && ZERO_DURATION_PATTERN.test(issue.input)
          ? zeroMessage
          : `expected ${DURATION_HINT}`,
    })
    .refine(bounded, { error: TOO_LONG })
    .meta({ description: `${DURATION_HINT}, not zero` });
}

export const Retention = z
  .string()
  .regex(RETENTION_PATTERN, { error: `expected ${DURATION_HINT}, or 1y to 10y` })
  .refine((text) => !ZERO_DURATION_PATTERN.test(text), {
    error: "a retention of 0 keeps nothing; give how long the attribute may be kept",
  })
  .refine(bounded, { error: TOO_LONG })
  .meta({ description: `${DURATION_HINT}, or 1y to 10y` });
export type Retention = z.infer<typeof Retention>;

export const Clock = z
  .string()
  .regex(CLOCK_PATTERN, { error: "expected a wall-clock time HH:MM, 00:00 to 23:59" })
  .meta({ description: "wall-clock time HH:MM in the subject's time zone" });
export type Clock = z.infer<typeof Clock>;

/** Lower snake case words joined by dots: `service.claim_updates`. */
export const PurposeId = z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/, {
  error: "expected a purpose id in lower snake case, dot-separated (service.claim_updates)",
});
export type PurposeId = z.infer<typeof PurposeId>;

/** `namespace.name` in lower snake case: `claim.amount`. */
export const AttributeName = z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, {
  error: "expected an attribute name namespace.name in lower snake case (claim.amount)",
});
export type AttributeName = z.infer<typeof AttributeName>;

/** Lower kebab case: `claim-status-day-3`. */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
  error: "expected a name in lower kebab case (claim-status-day-3)",
});
export type Slug = z.infer<typeof Slug>;

export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const ActionKind = z.enum(ACTION_KINDS);
export type ActionKind = z.infer<typeof ActionKind>;

export const LawfulBasis = z.enum(LAWFUL_BASES);
export type LawfulBasis = z.infer<typeof LawfulBasis>;

export const Residency = z.enum(["eu", "us", "uk", "global"]);
export type Residency = z.infer<typeof Residency>;

export const Region = z.enum(["eu", "us", "uk"]);
export type Region = z.infer<typeof Region>;

export const Sensitivity = z.enum([
  "none",
  "contact",
  "financial",
  "health",
  "special_category",
  "location",
]);
export type Sensitivity = z.infer<typeof Sensitivity>;

const CAP_FIELDS = {
  id: Slug.optional().meta({ description: "a name, so that a node may be exempt from it" }),
  channel: Channel.optional(),
  max: z
    .int()
    .min(1, {
      error: (issue) =>
        issue.input === 0
          ? "a cap of 0 can never be met; remove the cap or give a maximum of at least 1"
          : "expected a maximum of at least 1",
    })
    .optional()
    .meta({ description: "sends allowed in the window; leave out for no maximum" }),
  per: positiveDuration("a window of 0 counts nothing; give a window such as 24h or 7d"),
  counts: z
    .enum(["marketing", "all"])
    .default("marketing")
    .meta({ description: "marketing (default) leaves out sends on basis contract" }),
};

/** A frequency cap written in a node: it counts this node's sends. */
export const NodeCap = z.strictObject({
  ...CAP_FIELDS,
  scope: z.enum(["node", "channel"]).default("node"),
});
export type NodeCap = z.infer<typeof NodeCap>;

/** A frequency cap written in the policy: it counts the sends of every node. */
export const PolicyCap = z.strictObject({
  ...CAP_FIELDS,
  id: Slug.meta({ description: "a name, so that a node may be exempt from it" }),
  scope: z.enum(["channel", "global"]),
});
export type PolicyCap = z.infer<typeof PolicyCap>;
