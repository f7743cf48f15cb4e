import { insuranceModel } from "./insurance.ts";
import type { PlaybookModel } from "./model.ts";
import { createSubject, type SimSubject } from "./population.ts";
import { retailModel } from "./retail.ts";
import { saasModel } from "./saas.ts";
import { Sim } from "./sim.ts";
import type { Draft } from "./timeline.ts";
import type { SimItem, SimulationOptions } from "./types.ts";

/** Version of the event schemas the simulator writes. */
const SCHEMA_VERSION = 1;

/**
 * Generates a seeded, realistic stream for one starter playbook: events from the systems of
 * record, consent-ledger records, suppressions, GPC signals and contact points, sorted by `at`
 * (ties keep generation order). The same options always give a deep-equal stream.
 *
 * @example
 * const items = simulate({ playbook: "insurance", subjects: 1000, days: 90, seed: 7,
 *   start: Date.UTC(2026, 0, 5) });
 * items.filter((item) => item.kind === "event" && item.event.type === "claim.opened");
 */
export function simulate(options: SimulationOptions): SimItem[] {
  return Array.from(simulateStream(options));
}

/**
 * The same stream as `simulate`, generated one day at a time, so that memory holds one day of
 * items rather than the whole run. Use it for benchmarks and large runs.
 */
export function* simulateStream(options: SimulationOptions): Generator<SimItem> {
  validate(options);
  switch (options.playbook) {
    case "saas":
      yield* run(saasModel, options);
      return;
    case "insurance":
      yield* run(insuranceModel, options);
      return;
    case "retail":
      yield* run(retailModel, options);
      return;
  }
}

function validate(options: SimulationOptions): void {
  const { subjects, days, seed, start } = options;
  if (!Number.isInteger(subjects) || subjects < 1)
    throw new RangeError("subjects must be a positive integer");
  if (!Number.isInteger(days) || days < 1) throw new RangeError("days must be a positive integer");
  if (!Number.isInteger(seed)) throw new RangeError("seed must be an integer");
  if (!Number.isFinite(start))
    throw new RangeError("start must be an instant in epoch milliseconds");
}

interface Running<State> {
  readonly subject: SimSubject;
  readonly state: State;
}

function* run<State>(model: PlaybookModel<State>, options: SimulationOptions): Generator<SimItem> {
  const sim = new Sim(options);
  const population: Running<State>[] = [];
  for (let index = 0; index < options.subjects; index++) {
    const subject = createSubject(options.seed, index);
    population.push({ subject, state: model.begin(sim, subject) });
  }
  let counter = 0;
  for (let day = 0; day < options.days; day++) {
    for (const { subject, state } of population) model.day(sim, subject, state, day);
    for (const draft of sim.timeline.take(day)) {
      yield finish(draft, () => `${options.seed}-${counter++}`);
    }
  }
}

/** Gives a draft its id (events, consent records, suppressions) in stream order. */
function finish(draft: Draft, nextId: () => string): SimItem {
  switch (draft.kind) {
    case "event": {
      const { at, subjectId, type, source, data, lagMs } = draft;
      const id = nextId();
      const receivedAt = at + lagMs;
      const event = {
        id,
        type,
        schemaVersion: SCHEMA_VERSION,
        subjectId,
        occurredAt: at,
        receivedAt,
        source,
        data,
      };
      return { kind: "event", at, event };
    }
    case "consent":
      return { kind: "consent", at: draft.at, record: { id: nextId(), ...draft.record } };
    case "suppression":
      return { kind: "suppression", at: draft.at, record: { id: nextId(), ...draft.record } };
    default:
      return draft;
  }
}
