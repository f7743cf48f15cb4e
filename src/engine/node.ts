import type {
  ActionKind,
  Cap,
  Channel,
  GpcMark,
  LawfulBasis,
  Profile,
  Purpose,
  QuietHours,
} from "./types.ts";

/**
 * A decision node after loading: validated, policy-checked, rules compiled. The engine only
 * ever sees this shape; the YAML shape lives in `playbook/`.
 */

/**
 * Variables a compiled rule sees: one object per attribute namespace of the bundle
 * (`claim` → `{ status, amount }`), `event` → `{ type, data }` and `now` (a CEL timestamp).
 * Absent optional attributes are left out of their namespace object.
 */
export type RuleContext = Readonly<Record<string, unknown>>;

/** A compiled CEL expression returning bool. Throws on an evaluation fault. */
export interface CompiledRule {
  readonly source: string;
  /** Bundle attributes the expression reads. */
  readonly attributes: readonly string[];
  evaluate(context: RuleContext): boolean;
  /**
   * The same result as `evaluate(context(from))`, where `context(from)` builds the rule context
   * from `profile`; a rule that can answer from the profile's values alone never calls it.
   */
  evaluateFor?<T>(profile: Profile, context: (from: T) => RuleContext, from: T): boolean;
}

export const ATTRIBUTE_TYPES = ["string", "number", "boolean", "timestamp", "string_list"] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface BundleAttribute {
  readonly name: string;
  /** Timestamps are epoch ms in the profile and CEL `timestamp` values in rules. */
  readonly type: AttributeType;
  readonly optional: boolean;
  readonly freshnessMs: number;
  readonly residency: string;
  readonly sensitivity: string;
}

export interface ActionSpec {
  readonly kind: ActionKind;
  readonly template: string;
  /** Channels this action may use; defaults to the node's channels. */
  readonly channels: readonly Channel[];
  readonly value: number;
  readonly priority: number;
}

export interface LogisticModel {
  readonly intercept: number;
  /** Bundle attribute (or `attribute=value` for a one-hot category) to coefficient. */
  readonly coefficients: Readonly<Record<string, number>>;
}

export interface ScoringModel {
  readonly id: string;
  readonly version: string;
  readonly kind: "propensity" | "uplift";
  /** Propensity: the one model. Uplift: the treated-arm outcome model. */
  readonly treated: LogisticModel;
  /** Uplift only: the control-arm outcome model; score = p(treated) − p(control). */
  readonly control?: LogisticModel;
  /** Eligible only at or above this score: targeting by the model (the eligibility step). */
  readonly minScore?: number;
}

export interface ExperimentSpec {
  readonly salt: string;
  /** Arm name to weight; the control arm yields `holdout`. Weights sum to > 0. */
  readonly arms: readonly { readonly name: string; readonly weight: number }[];
  readonly control: string;
  /** Share of eligible subjects in the experiment, 0 < share <= 1. Others are treated. */
  readonly traffic: number;
}

export interface ReviewSpec {
  readonly valueAbove?: number;
  readonly confidenceBelow?: number;
  /** Sensitivity tags; reading a present bundle attribute with one of them needs review. */
  readonly sensitive: readonly string[];
  readonly when?: CompiledRule;
  readonly slaMs?: number;
}

/** After a delay following an event, unless one of the `unless` events comes first. */
export interface DelayTimerSpec {
  readonly kind: "delay";
  readonly event: string;
  readonly delayMs: number;
  readonly unless: readonly string[];
}

/** Before or after a date held in a timestamp attribute, by an offset. */
export interface DateTimerSpec {
  readonly kind: "date";
  readonly attribute: string;
  readonly side: "before" | "after";
  readonly offsetMs: number;
}

export type TimerSpec = DelayTimerSpec | DateTimerSpec;

/**
 * What wakes a node: an event of type `event`, or a durable timer (`timer`). Exactly one of the
 * two is set; `when` is checked either way, at the instant the node decides.
 */
export interface CompiledTrigger {
  readonly event?: string;
  readonly timer?: TimerSpec;
  readonly when?: CompiledRule;
}

export interface CompiledNode {
  readonly id: string;
  readonly playbook: string;
  readonly playbookVersion: number;
  readonly trigger: CompiledTrigger;
  readonly bundle: readonly BundleAttribute[];
  readonly eligibility?: CompiledRule;
  readonly purpose: Purpose;
  readonly basis: LawfulBasis;
  readonly channels: readonly Channel[];
  readonly actions: readonly ActionSpec[];
  /** The node's own caps (scope `node` or `channel`). Global caps come from the policy. */
  readonly caps: readonly Cap[];
  /** Ids of named caps (node or policy) this node is exempt from. */
  readonly exemptFrom: readonly string[];
  readonly quietHours?: QuietHours;
  readonly review?: ReviewSpec;
  readonly model?: ScoringModel;
  readonly experiment?: ExperimentSpec;
}

/** Deployment-wide policy: where decisions are made and what nothing may do. */
export interface Policy {
  /** The region this deployment decides in, compared with attribute residency. */
  readonly region: string;
  readonly defaultTimezone: string;
  readonly caps: readonly Cap[];
  readonly deny: {
    readonly actions: readonly ActionKind[];
    readonly channels: readonly Channel[];
    readonly templates: readonly string[];
  };
}

/** What is live for a subject: a playbook version, its state and the nodes switched off. */
export interface Release {
  readonly id: string;
  readonly state: "live" | "killed";
  readonly disabledNodes: readonly string[];
}

export type { GpcMark };
