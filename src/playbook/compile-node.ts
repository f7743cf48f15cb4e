/**
 * A node as written to the compiled node the engine runs, after every load-time check.
 */

import { z } from "zod";
import type {
  ActionSpec,
  AttributeType,
  BundleAttribute,
  CompiledNode,
  CompiledRule,
  CompiledTrigger,
  ExperimentSpec,
  ReviewSpec,
  ScoringModel,
  TimerSpec,
} from "../engine/node.ts";
import type { QuietHours } from "../engine/types.ts";
import { compileCap } from "./caps.ts";
import type { Catalog } from "./catalog.ts";
import {
  bundleEnvironment,
  compileRule,
  type RuleScope,
  ruleReads,
  ruleSyntaxProblem,
} from "./cel.ts";
import { waitingNote, waitingOn } from "./check-scope.ts";
import { durationMs, parseClock } from "./durations.ts";
import { type NodeScope, nodeIssues } from "./node-checks.ts";
import {
  type Experiment,
  type Model,
  PlaybookNode,
  type QuietHoursSpec,
  type Review,
  Rule,
  type Trigger,
} from "./playbook-schema.ts";
import type { Issue } from "./problems.ts";
import { rawAt } from "./raw.ts";

/** The playbook a node belongs to. */
export interface PlaybookHeader {
  readonly name: string;
  readonly version: number;
}

interface NodeRules {
  readonly when?: CompiledRule;
  readonly eligibility?: CompiledRule;
  readonly review?: CompiledRule;
}

// Each rule compiles on its own, against the bundle, so that a schema problem elsewhere in
// the node (even in its id, or in another rule) does not hide a rule's problems.
const RuleBase = z.looseObject({ id: z.string(), bundle: PlaybookNode.shape.bundle });
type RuleBase = z.infer<typeof RuleBase>;

/**
 * Checks one node as written and compiles it; any issue (paths relative to the node) means
 * no compiled node.
 *
 * @example compileNode(data.nodes[0], { name: "insurance", version: 3 }, { catalog, policy })
 */
export function compileNode(
  raw: unknown,
  header: PlaybookHeader,
  scope: NodeScope,
): { node?: CompiledNode; issues: Issue[] } {
  const issues = nodeIssues(raw, scope);
  const base = RuleBase.safeParse(raw);
  const rules = base.success ? compileRules(raw, base.data, scope, issues) : {};

  const parsed = PlaybookNode.safeParse(raw);
  if (!parsed.success || issues.length > 0) return { issues };
  const node = parsed.data;
  const purpose = scope.catalog.purposes.get(node.purpose ?? "");
  if (purpose === undefined) return { issues };

  const compiled: CompiledNode = {
    id: node.id,
    playbook: header.name,
    playbookVersion: header.version,
    trigger: compileTrigger(node.trigger, rules.when),
    bundle: compileBundle(node.bundle, scope.catalog),
    ...(rules.eligibility ? { eligibility: rules.eligibility } : {}),
    purpose,
    basis: node.basis,
    channels: node.channels,
    actions: node.actions.map(
      (action): ActionSpec => ({
        ...action,
        channels: action.channels ?? node.channels,
      }),
    ),
    caps: node.caps.map((cap, index) => compileCap(cap, `${node.id}/cap-${index + 1}`)),
    exemptFrom: node.exempt_from,
    ...optionalParts(node, rules.review),
  };
  return { node: compiled, issues: [] };
}

/** An event trigger keeps the shape it always had; a timer trigger carries its spec instead. */
function compileTrigger(trigger: Trigger, when: CompiledRule | undefined): CompiledTrigger {
  const timer = timerSpec(trigger);
  return {
    ...(trigger.event === undefined ? {} : { event: trigger.event }),
    ...(timer === undefined ? {} : { timer }),
    ...(when ? { when } : {}),
  };
}

function timerSpec(trigger: Trigger): TimerSpec | undefined {
  const { after, before } = trigger;
  if (before !== undefined) {
    return {
      kind: "date",
      attribute: before.attribute,
      side: "before",
      offsetMs: ms(before.offset),
    };
  }
  if (after === undefined) return undefined;
  if ("attribute" in after) {
    return { kind: "date", attribute: after.attribute, side: "after", offsetMs: ms(after.offset) };
  }
  const unless = trigger.unless === undefined ? [] : [trigger.unless.event];
  return { kind: "delay", event: after.event, delayMs: ms(after.delay), unless };
}

const ms = durationMs;

function optionalParts(node: PlaybookNode, when: CompiledRule | undefined) {
  return {
    ...(node.quiet_hours ? { quietHours: quietHours(node.quiet_hours) } : {}),
    ...(node.review ? { review: review(node.review, when) } : {}),
    ...(node.model ? { model: model(node.model) } : {}),
    ...(node.experiment ? { experiment: experiment(node.experiment) } : {}),
  };
}

/** The bundle attributes that are in the catalog; the others are reported by the checks. */
function compileBundle(entries: readonly string[], catalog: Catalog): BundleAttribute[] {
  return entries.flatMap((entry) => {
    const attribute = catalog.attributes.get(entry.replace(/\?$/, ""));
    if (attribute === undefined) return [];

    const { name, type, freshnessMs, residency, sensitivity } = attribute;
    const optional = entry.endsWith("?");
    return [{ name, type, optional, freshnessMs, residency, sensitivity }];
  });
}

/** Where a node's rules are written: trigger.when, eligibility and review.when. */
const RULE_PATHS: readonly (readonly string[])[] = [
  ["trigger", "when"],
  ["eligibility"],
  ["review", "when"],
];

/**
 * The syntax problems of a node's rules, checked without a catalog (which parsing does not
 * need): what is left to check of them when the catalog cannot be read. Paths are relative
 * to the node.
 */
export function ruleSyntaxIssues(raw: unknown): Issue[] {
  return RULE_PATHS.flatMap((path): Issue[] => {
    const text = Rule.safeParse(rawAt(raw, path));
    if (!text.success) return [];
    const problem = ruleSyntaxProblem(text.data, path.join("."));
    if (problem === undefined) return [];
    const { message, offset } = problem;
    return [offset === undefined ? { path, message } : { path, message, offset }];
  });
}

/**
 * Compiles the node's rules against its bundle, adding their problems to `issues`. A rule that
 * reads a catalog entry with problems is left out, with a note.
 */
function compileRules(raw: unknown, base: RuleBase, scope: NodeScope, issues: Issue[]): NodeRules {
  const bundle = compileBundle(base.bundle, scope.catalog);
  const types = new Map<string, AttributeType>(bundle.map((entry) => [entry.name, entry.type]));
  const ruleScope: RuleScope = {
    nodeId: base.id,
    bundle: types,
    catalog: new Set(scope.catalog.attributes.keys()),
  };
  const environment = bundleEnvironment(types);

  const compile = (path: readonly string[]) => {
    const text = Rule.safeParse(rawAt(raw, path));
    if (!text.success) return undefined;
    const label = path.join(".");
    // Parsed once more only when some catalog entry failed (never for a deployment that loads).
    const broken = scope.brokenNames?.size ?? 0;
    const waiting = broken > 0 ? waitingOn(ruleReads(text.data, environment), scope) : [];
    if (waiting.length > 0) {
      issues.push(waitingNote(path, `${label} was not type-checked: it reads`, waiting));
      return undefined;
    }
    const result = compileRule(text.data, label, ruleScope, environment);
    const offset = result.problems.length === 1 ? result.offset : undefined;
    for (const message of result.problems) {
      issues.push(offset === undefined ? { path, message } : { path, message, offset });
    }
    return result.rule;
  };

  const [when, eligibility, review] = RULE_PATHS.map(compile);
  return {
    ...(when ? { when } : {}),
    ...(eligibility ? { eligibility } : {}),
    ...(review ? { review } : {}),
  };
}

function quietHours(spec: QuietHoursSpec): QuietHours {
  return {
    startMinute: parseClock(spec.start) ?? 0,
    endMinute: parseClock(spec.end) ?? 0,
    mode: spec.mode,
  };
}

function review(spec: Review, when: CompiledRule | undefined): ReviewSpec {
  return {
    ...(spec.value_above === undefined ? {} : { valueAbove: spec.value_above }),
    ...(spec.confidence_below === undefined ? {} : { confidenceBelow: spec.confidence_below }),
    sensitive: spec.sensitive,
    ...(when ? { when } : {}),
    ...(spec.sla === undefined ? {} : { slaMs: durationMs(spec.sla) }),
  };
}

function model(spec: Model): ScoringModel {
  return {
    id: spec.id,
    version: spec.version,
    kind: spec.kind,
    treated: spec.treated,
    ...(spec.control ? { control: spec.control } : {}),
    ...(spec.min_score === undefined ? {} : { minScore: spec.min_score }),
  };
}

function experiment(spec: Experiment): ExperimentSpec {
  return {
    salt: spec.salt,
    arms: Object.entries(spec.arms).map(([name, weight]) => ({ name, weight })),
    control: spec.control,
    traffic: spec.traffic,
  };
}
