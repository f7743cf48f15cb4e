/**
 * Seeded event streams for the starter playbooks, used by tests, benchmarks and the CLI.
 * Profile values travel in `event.data` keyed by catalog attribute name.
 */
export { simulate, simulateStream } from "./simulate.ts";
export { SIM_PLAYBOOKS, type SimItem, type SimPlaybook, type SimulationOptions } from "./types.ts";
