/**
 * Shared fixtures for the simulator tests: cached runs, and the starter examples read straight
 * from their YAML (with the `yaml` package, not the loader) so that the simulator is checked
 * against the files a privacy officer reviews.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { AssentEvent } from "../../src/engine/types.ts";
import { simulate } from "../../src/simulator/index.ts";
import type { SimItem, SimPlaybook, SimulationOptions } from "../../src/simulator/types.ts";

export const START = Date.UTC(2026, 0, 5);
export const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");

const runs = new Map<string, SimItem[]>();

/** A run of `playbook` (1,000 subjects, 90 days, seed 7 unless overridden), computed once. */
export function run(playbook: SimPlaybook, overrides: Partial<SimulationOptions> = {}) {
  const options = { playbook, subjects: 1000, days: 90, seed: 7, start: START, ...overrides };
  const key = JSON.stringify(options);
  let items = runs.get(key);
  if (items === undefined) {
    items = simulate(options);
    runs.set(key, items);
  }
  return items;
}

export function eventsOf(items: readonly SimItem[]): AssentEvent[] {
  return items.flatMap((item) => (item.kind === "event" ? [item.event] : []));
}

// ---------------------------------------------------------------- the examples, as data

export interface NodeSpec {
  readonly id: string;
  /** The event that wakes the node, or that starts its delay timer; none for a date timer. */
  readonly triggerEvent?: string;
  /** Whether a durable timer wakes the node (after a delay, or before or after a date). */
  readonly timer: boolean;
  readonly when?: string;
  readonly eligibility?: string;
  readonly bundle: readonly { readonly name: string; readonly optional: boolean }[];
  readonly purpose: string;
  readonly basis: string;
  readonly outcomeEvent?: string;
}

export interface AttributeSpec {
  readonly type: string;
  readonly freshnessMs: number;
}

export interface CatalogSpec {
  readonly purposes: ReadonlyMap<string, string>;
  readonly attributes: ReadonlyMap<string, AttributeSpec>;
}

type Yaml = Record<string, unknown>;

function readYaml(...path: string[]): Yaml {
  return parse(readFileSync(join(EXAMPLES, ...path), "utf8")) as Yaml;
}

/** The nodes of `examples/playbooks/<playbook>.yaml`. */
export function playbookNodes(playbook: SimPlaybook): NodeSpec[] {
  const nodes = readYaml("playbooks", `${playbook}.yaml`).nodes as Yaml[];
  return nodes.map((node) => {
    const trigger = node.trigger as Yaml;
    const experiment = node.experiment as Yaml | undefined;
    const outcome = experiment?.outcome as Yaml | undefined;
    return {
      id: String(node.id),
      triggerEvent: triggerEventOf(trigger),
      timer: trigger.event === undefined,
      when: trigger.when === undefined ? undefined : String(trigger.when),
      eligibility: node.eligibility === undefined ? undefined : String(node.eligibility),
      bundle: (node.bundle as string[]).map((name) => ({
        name: name.replace(/\?$/, ""),
        optional: name.endsWith("?"),
      })),
      purpose: String(node.purpose),
      basis: String(node.basis),
      outcomeEvent: outcome === undefined ? undefined : String(outcome.event),
    };
  });
}

/** `examples/catalog.yaml`: purpose kinds, attribute types and freshness SLAs. */
export function catalog(): CatalogSpec {
  const file = readYaml("catalog.yaml");
  const purposes = Object.entries(file.purposes as Record<string, Yaml>);
  const attributes = Object.entries(file.attributes as Record<string, Yaml>);
  return {
    purposes: new Map(purposes.map(([name, purpose]) => [name, String(purpose.kind)])),
    attributes: new Map(
      attributes.map(([name, attribute]) => [
        name,
        { type: String(attribute.type), freshnessMs: durationMs(String(attribute.freshness)) },
      ]),
    ),
  };
}

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function durationMs(text: string): number {
  const match = /^(\d+)([smhdw])$/.exec(text);
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (match === null || unit === undefined) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * unit;
}

function triggerEventOf(trigger: Yaml): string | undefined {
  if (trigger.event !== undefined) return String(trigger.event);
  const after = trigger.after as Yaml | undefined;
  return after?.event === undefined ? undefined : String(after.event);
}
