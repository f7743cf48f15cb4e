import { createEngine, type Engine } from "../engine/engine.ts";
import type { Release } from "../engine/node.ts";
import type { Decision } from "../engine/types.ts";
import type { Deployment } from "../playbook/loader.ts";
import { simulate } from "../simulator/simulate.ts";
import { MemoryWorld } from "./memory-world.ts";

export const STARTER_PLAYBOOKS = ["saas", "insurance", "retail"] as const;
export type StarterPlaybook = (typeof STARTER_PLAYBOOKS)[number];

export interface ReplayOptions {
  readonly playbook: StarterPlaybook;
  readonly subjects: number;
  readonly days: number;
  readonly seed: number;
  readonly start: number;
}

export interface ReplayReport {
  readonly items: number;
  readonly events: number;
  readonly decisions: number;
}

/**
 * Replays a seeded simulated stream for one starter playbook through the engine, in an
 * in-memory world, calling `onDecision` for every decision (deferred ones when they come due).
 */
export function replayPlaybook(
  deployment: Deployment,
  options: ReplayOptions,
  onDecision: (decision: Decision) => void,
  onProgress?: (done: number, total: number) => void,
  wrap: (engine: Engine) => Engine = (engine) => engine,
): ReplayReport {
  const playbook = deployment.playbooks.find((candidate) => candidate.name === options.playbook);
  if (playbook === undefined) throw new Error(`no playbook named ${options.playbook} is loaded`);
  const engine = wrap(createEngine(playbook.nodes, deployment.policy));
  const release: Release = {
    id: `${playbook.name}@${playbook.version}`,
    state: "live",
    disabledNodes: [],
  };
  const world = new MemoryWorld(engine, release, new Set(deployment.catalog.attributes.keys()));
  const items = simulate(options);
  let decisions = 0;
  let events = 0;
  const count = (decision: Decision) => {
    decisions += 1;
    onDecision(decision);
  };
  items.forEach((item, index) => {
    if (item.kind === "event") events += 1;
    world.apply(item, count);
    if (index % 5000 === 0) onProgress?.(index, items.length);
  });
  const end = options.start + options.days * 86_400_000;
  world.runDeferrals(end + 30 * 86_400_000, count, end);
  onProgress?.(items.length, items.length);
  return { items: items.length, events, decisions };
}
