import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "@marcbachmann/cel-js";
import type { AssentEvent } from "../../src/engine/types.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { replayPlaybook } from "../../src/replay/replay.ts";
import { SIM_PLAYBOOKS, type SimPlaybook } from "../../src/simulator/types.ts";
import {
  type CatalogSpec,
  catalog,
  eventsOf,
  type NodeSpec,
  playbookNodes,
  run,
  START,
} from "./simulator-helpers.ts";

/**
 * The examples and the simulator must not drift apart: whatever a starter node triggers on or
 * reads, the simulated systems of record must produce, fresh, before the trigger.
 */

interface Observed {
  readonly value: unknown;
  readonly at: number;
}

interface Firing {
  /** Trigger events of the node's type whose `when` held. */
  matched: number;
  /** Of those, the ones whose eligibility rule held too. */
  eligible: number;
  /** Required bundle attributes missing or past their SLA when the trigger held. */
  readonly problems: string[];
}

/** Replays events onto profiles, as the in-memory runner does, and evaluates one node. */
function fire(events: readonly AssentEvent[], node: NodeSpec, spec: CatalogSpec): Firing {
  const profiles = new Map<string, Map<string, Observed>>();
  const firing: Firing = { matched: 0, eligible: 0, problems: [] };
  for (const event of events) {
    const profile = profiles.get(event.subjectId) ?? new Map<string, Observed>();
    profiles.set(event.subjectId, profile);
    for (const [name, value] of Object.entries(event.data))
      profile.set(name, { value, at: event.occurredAt });
    if (event.type !== node.triggerEvent) continue;

    const problem = bundleProblem(node, spec, profile, event.occurredAt);
    const context = ruleContext(node, spec, profile);
    if (node.when !== undefined && problem === undefined && evaluate(node.when, context) !== true)
      continue;
    firing.matched += 1;
    if (problem !== undefined) firing.problems.push(`${event.id}: ${problem}`);
    else if (node.eligibility === undefined || evaluate(node.eligibility, context) === true)
      firing.eligible += 1;
  }
  return firing;
}

function bundleProblem(
  node: NodeSpec,
  spec: CatalogSpec,
  profile: Map<string, Observed>,
  now: number,
) {
  for (const { name, optional } of node.bundle) {
    const observed = profile.get(name);
    const freshnessMs = spec.attributes.get(name)?.freshnessMs ?? 0;
    if (observed === undefined && !optional) return `${name} missing`;
    if (observed !== undefined && now - observed.at > freshnessMs) return `${name} stale`;
  }
  return undefined;
}

/** `claim.amount` → `{ claim: { amount } }`, bundle attributes only. */
function ruleContext(node: NodeSpec, spec: CatalogSpec, profile: Map<string, Observed>) {
  const context: Record<string, Record<string, unknown>> = {};
  for (const { name } of node.bundle) {
    const [namespace = "", field = ""] = name.split(".");
    context[namespace] ??= {};
    const observed = profile.get(name);
    if (observed === undefined) continue;
    const timestamp = spec.attributes.get(name)?.type === "timestamp";
    context[namespace][field] = timestamp ? new Date(Number(observed.value)) : observed.value;
  }
  return context;
}

/**
 * A time-triggered node, through the in-memory replay: its timers fire at their instants, and
 * each firing's explanation says whether the trigger held, the bundle was fresh and the node
 * eligible.
 */
function fireTimers(playbook: SimPlaybook, nodeId: string): Firing {
  const firing: Firing = { matched: 0, eligible: 0, problems: [] };
  const options = { playbook, subjects: 1000, days: 90, seed: 7, start: START };
  replayPlaybook(loadDeploymentFromDir("examples"), options, (decision) => {
    if (decision.nodeId !== nodeId || decision.timer === undefined) return;
    const step = (name: string) => decision.steps.find((each) => each.step === name);
    if (step("trigger")?.verdict !== "pass") return;
    firing.matched += 1;
    const fresh = step("freshness");
    if (fresh?.verdict !== "pass") firing.problems.push(`${decision.eventId}: ${fresh?.detail}`);
    else if (step("eligibility")?.verdict === "pass") firing.eligible += 1;
  });
  return firing;
}

describe("simulator covers the starter playbooks", () => {
  const spec = catalog();

  for (const playbook of SIM_PLAYBOOKS) {
    describe(playbook, () => {
      const nodes = playbookNodes(playbook);
      const events = () => eventsOf(run(playbook));

      it("emits every event type a node triggers on or measures its outcome by", () => {
        const types = new Set(events().map((event) => event.type));
        for (const node of nodes) {
          const trigger = node.triggerEvent;
          if (trigger !== undefined)
            assert.ok(types.has(trigger), `${node.id}: no ${trigger} events`);
          if (node.outcomeEvent === undefined) continue;
          assert.ok(types.has(node.outcomeEvent), `${node.id}: no ${node.outcomeEvent} events`);
        }
      });

      it("sets every bundle attribute in some event's data", () => {
        const keys = new Set(events().flatMap((event) => Object.keys(event.data)));
        for (const node of nodes) {
          for (const { name } of node.bundle)
            assert.ok(keys.has(name), `${node.id}: ${name} never set`);
        }
      });

      it("writes only catalog attributes into event data", () => {
        const keys = new Set(events().flatMap((event) => Object.keys(event.data)));
        for (const key of keys) assert.ok(spec.attributes.has(key), `${key} is not in the catalog`);
      });

      for (const node of nodes) {
        it(`${node.id}: the trigger holds on a complete, fresh bundle; some are eligible`, () => {
          const firing = node.timer ? fireTimers(playbook, node.id) : fire(events(), node, spec);
          assert.ok(firing.matched >= 20, `${node.id} triggered ${firing.matched} times`);
          assert.deepEqual(firing.problems.slice(0, 5), []);
          assert.ok(firing.eligible >= 10, `${node.id}: only ${firing.eligible} eligible`);
        });
      }
    });
  }
});
