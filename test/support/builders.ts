import type {
  ActionSpec,
  BundleAttribute,
  CompiledNode,
  CompiledRule,
  Policy,
  Release,
  RuleContext,
} from "../../src/engine/node.ts";
import type {
  AssentEvent,
  AttributeState,
  ConsentView,
  Instant,
  Profile,
  Purpose,
} from "../../src/engine/types.ts";
import type { DecisionInput } from "../../src/engine/walk.ts";

/** Builders for engine tests: small valid defaults, overridden per test. */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const marketing: Purpose = {
  id: "marketing.campaigns",
  kind: "marketing",
  marks: [],
  description: "offers",
};

export const service: Purpose = {
  id: "service.claim_updates",
  kind: "service",
  marks: [],
  description: "claim updates",
};

/** A rule written in TypeScript for tests that do not exercise CEL. */
export function rule(
  source: string,
  attributes: string[],
  evaluate: (context: RuleContext) => boolean,
): CompiledRule {
  return { source, attributes, evaluate };
}

export function attribute(name: string, overrides: Partial<BundleAttribute> = {}): BundleAttribute {
  return {
    name,
    type: "string",
    optional: false,
    freshnessMs: 30 * DAY,
    residency: "eu",
    sensitivity: "none",
    ...overrides,
  };
}

export function message(overrides: Partial<ActionSpec> = {}): ActionSpec {
  return {
    kind: "message",
    template: "offer-v1",
    channels: ["email"],
    value: 1,
    priority: 1,
    ...overrides,
  };
}

export function node(overrides: Partial<CompiledNode> = {}): CompiledNode {
  return {
    id: "test-node",
    playbook: "test",
    playbookVersion: 1,
    trigger: { event: "test.happened" },
    bundle: [attribute("subject.timezone", { optional: true })],
    purpose: marketing,
    basis: "consent",
    channels: ["email"],
    actions: [message()],
    caps: [],
    exemptFrom: [],
    ...overrides,
  };
}

export function policy(overrides: Partial<Policy> = {}): Policy {
  return {
    region: "eu",
    defaultTimezone: "Europe/Amsterdam",
    caps: [],
    deny: { actions: [], channels: [], templates: [] },
    ...overrides,
  };
}

export const liveRelease: Release = { id: "test@1", state: "live", disabledNodes: [] };

export function event(at: Instant, overrides: Partial<AssentEvent> = {}): AssentEvent {
  return {
    id: `e-${at}`,
    type: "test.happened",
    schemaVersion: 1,
    subjectId: "s-1",
    occurredAt: at,
    receivedAt: at,
    source: "test",
    data: {},
    ...overrides,
  };
}

export function emptyConsent(subjectId = "s-1"): ConsentView {
  return { subjectId, records: [], suppressions: [], contacts: {} };
}

export function input(now: Instant, overrides: Partial<DecisionInput> = {}): DecisionInput {
  const profile: Profile = new Map();
  return {
    event: event(now),
    profile,
    consent: emptyConsent(),
    history: [],
    release: liveRelease,
    now,
    ...overrides,
  };
}

/** A profile from a record of attribute states, for readable tests. */
export function profileOf(states: Record<string, AttributeState>): Profile {
  return new Map(Object.entries(states));
}
