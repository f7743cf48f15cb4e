import { z } from "zod";
import {
  ActionKind,
  AttributeName,
  Channel,
  Clock,
  Duration,
  LawfulBasis,
  NodeCap,
  PurposeId,
  positiveDuration,
  Sensitivity,
  Slug,
} from "./common-schema.ts";

/** A CEL rule as written; it is compiled and type-checked when the playbook loads. */
export const Rule = z
  .string()
  .min(1)
  .meta({ description: "a CEL expression over the node's bundle that returns bool" });

const EventType = z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/, {
  error: "expected an event type in lower snake case, dot-separated (claim.opened)",
});

const MetricName = z.string().regex(/^[a-z][a-z0-9_]*$/, {
  error: "expected a metric name in lower snake case (calls_avoided)",
});

const ArmName = z.string().regex(/^[a-z][a-z0-9_-]*$/, {
  error: "expected an arm name in lower case (treatment, holdout)",
});

function emptyAllowList(what: string): string {
  return `an empty allow list permits nothing; ${what}`;
}

/** `claim.amount`, or `subject.timezone?` for an attribute the node can do without. */
export const BundleEntry = z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\??$/, {
  error: "expected a catalog attribute namespace.name, with ? if optional (subject.timezone?)",
});
export type BundleEntry = z.infer<typeof BundleEntry>;

const TimerDelay = Duration.meta({
  description: "how long after the event, such as 3d or 36h (more than 0, at most 366d)",
});

const TimerOffset = Duration.meta({
  description: "how long before or after the date, such as 90d (more than 0, at most 366d)",
});

/** `after: { event: claim.opened, delay: 3d }`: a timer started by an event. */
export const AfterEvent = z.strictObject({
  event: EventType.meta({ description: "the event that starts the timer" }),
  delay: TimerDelay,
});
export type AfterEvent = z.infer<typeof AfterEvent>;

/** `before: { attribute: contract.term_end, offset: 90d }`: a timer set by a date attribute. */
export const DateOffset = z.strictObject({
  attribute: AttributeName.meta({ description: "a timestamp attribute in the node's bundle" }),
  offset: TimerOffset,
});
export type DateOffset = z.infer<typeof DateOffset>;

export const Unless = z.strictObject({
  event: EventType.meta({ description: "an event that cancels the timer if it comes first" }),
});
export type Unless = z.infer<typeof Unless>;

/**
 * What wakes the node: exactly one of `event` (on an event), `after` (a delay after an event,
 * or an offset after a date attribute) or `before` (an offset before a date attribute).
 */
export const Trigger = z.strictObject({
  event: EventType.optional().meta({ description: "the event type that wakes the node" }),
  after: z
    .union([AfterEvent, DateOffset], {
      error: "expected { event, delay } after an event, or { attribute, offset } after a date",
    })
    .optional()
    .meta({
      description: "{ event, delay } after an event, or { attribute, offset } after a date",
    }),
  before: DateOffset.optional().meta({ description: "{ attribute, offset } before a date" }),
  unless: Unless.optional().meta({
    description: "with after: { event, delay }: an event that cancels the timer if it comes first",
  }),
  when: Rule.optional().meta({ description: "checked when the node wakes, event or timer" }),
});
export type Trigger = z.infer<typeof Trigger>;

export const Action = z.strictObject({
  kind: ActionKind,
  template: z.string().min(1),
  channels: z
    .array(Channel)
    .min(1, {
      error: emptyAllowList("list at least one channel, or leave channels out for the node's"),
    })
    .optional()
    .meta({ description: "channels this action may use; defaults to the node's channels" }),
  value: z.number().min(0).default(0).meta({ description: "value of one action taken" }),
  priority: z.number().default(0),
});
export type Action = z.infer<typeof Action>;

export const QuietHoursSpec = z.strictObject({
  start: Clock,
  end: Clock,
  mode: z.enum(["defer", "drop"]).default("defer"),
});
export type QuietHoursSpec = z.infer<typeof QuietHoursSpec>;

const Share = z
  .number()
  .gt(0, { error: "expected a share more than 0 and at most 1" })
  .lte(1, { error: "expected a share more than 0 and at most 1" });

export const Review = z.strictObject({
  value_above: z.number().min(0).optional().meta({ description: "value at stake" }),
  confidence_below: Share.optional().meta({ description: "model confidence" }),
  sensitive: z
    .array(Sensitivity)
    .default([])
    .meta({ description: "reading a present attribute with this sensitivity needs review" }),
  when: Rule.optional(),
  sla: positiveDuration("a review SLA of 0 expires every review at once; give e.g. 48h").optional(),
});
export type Review = z.infer<typeof Review>;

export const Logistic = z.strictObject({
  intercept: z.number(),
  coefficients: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(?:=.+)?$/), z.number())
    .default({})
    .meta({ description: "bundle attribute, or attribute=value for a category, to coefficient" }),
});
export type Logistic = z.infer<typeof Logistic>;

export const Model = z.strictObject({
  id: Slug,
  version: z.string().min(1),
  kind: z.enum(["propensity", "uplift"]),
  treated: Logistic,
  control: Logistic.optional().meta({ description: "uplift only: the control-arm model" }),
  min_score: z
    .number()
    .optional()
    .meta({
      description:
        "eligible only at or above this score (propensity: strictly between 0 and 1; " +
        "uplift: p(treated) − p(control), strictly between −1 and 1)",
      exclusiveMinimum: -1,
      exclusiveMaximum: 1,
    }),
});
export type Model = z.infer<typeof Model>;

export const ExperimentOutcome = z.strictObject({
  event: EventType,
  within: positiveDuration("an outcome window of 0 sees nothing; give e.g. 7d"),
  metric: MetricName,
  better: z.enum(["higher", "lower"]),
});
export type ExperimentOutcome = z.infer<typeof ExperimentOutcome>;

export const Guardrail = z.strictObject({
  metric: MetricName,
  stop_loss: z.string().regex(/^[+-]?[0-9]+(?:\.[0-9]+)?(?:pp|%)?$/, {
    error: 'expected a change such as "+0.5pp" (points), "+10%" (relative) or "+3"',
  }),
});
export type Guardrail = z.infer<typeof Guardrail>;

export const Experiment = z.strictObject({
  salt: z.string().min(1),
  arms: z
    .record(ArmName, z.number().min(0))
    .meta({ description: "arm name to weight, in the order they are written" }),
  control: ArmName.default("holdout").meta({ description: "the arm that yields holdout" }),
  traffic: Share.default(1).meta({ description: "share of eligible subjects in the test" }),
  outcome: ExperimentOutcome.optional(),
  guardrails: z.array(Guardrail).default([]),
});
export type Experiment = z.infer<typeof Experiment>;

export const OutcomeMetric = z.strictObject({
  metric: MetricName,
  unit_value: z.number(),
  description: z.string().min(1).optional(),
});
export type OutcomeMetric = z.infer<typeof OutcomeMetric>;

const Money = z.number().min(0);

export const Costs = z.strictObject({
  per_message: Money.optional(),
  per_task: Money.optional(),
  per_inference: Money.optional(),
  monthly_fixed: Money.optional(),
  one_off: Money.optional().meta({ description: "integration and set-up" }),
});
export type Costs = z.infer<typeof Costs>;

export const PlaybookNode = z.strictObject({
  id: Slug,
  description: z.string().min(1).optional(),
  kpi: z.string().min(1).optional(),
  trigger: Trigger,
  bundle: z
    .array(BundleEntry)
    .meta({ description: "the only attributes the node may read (retrieval boundary)" }),
  eligibility: Rule.optional(),
  purpose: PurposeId.optional().meta({ description: "required: a purpose from the catalog" }),
  basis: LawfulBasis,
  channels: z
    .array(Channel)
    .min(1, { error: emptyAllowList("list at least one channel or remove the node") }),
  actions: z
    .array(Action)
    .min(1, { error: emptyAllowList("list at least one action or remove the node") }),
  caps: z.array(NodeCap).default([]),
  exempt_from: z
    .array(Slug)
    .default([])
    .meta({ description: "ids of policy or node caps this node ignores" }),
  quiet_hours: QuietHoursSpec.optional(),
  review: Review.optional(),
  model: Model.optional(),
  experiment: Experiment.optional(),
  outcomes: z.array(OutcomeMetric).default([]),
  costs: Costs.optional(),
  payback: z.strictObject({ months: z.number().gt(0) }).optional(),
});
export type PlaybookNode = z.infer<typeof PlaybookNode>;

/** playbooks/*.yaml: a versioned file of decision nodes. */
export const PlaybookFile = z
  .strictObject({
    playbook: Slug.meta({ description: "the playbook's name" }),
    version: z.int().min(1),
    description: z.string().min(1).optional(),
    nodes: z.array(PlaybookNode),
  })
  .meta({ title: "Assent playbook", description: "A versioned file of decision nodes." });
export type PlaybookFile = z.infer<typeof PlaybookFile>;
