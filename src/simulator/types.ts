import type {
  AssentEvent,
  Channel,
  ConsentRecord,
  Instant,
  SuppressionRecord,
} from "../engine/types.ts";

/** The starter playbooks the simulator has a customer model for. */
export const SIM_PLAYBOOKS = ["saas", "insurance", "retail"] as const;
export type SimPlaybook = (typeof SIM_PLAYBOOKS)[number];

/**
 * One thing that reaches Assent in a simulated run, at instant `at`: an event from a system of
 * record, a consent-ledger record, a global suppression, a Global Privacy Control signal, or a
 * contact point (and the jurisdiction its rules come from).
 */
export type SimItem =
  | { readonly kind: "event"; readonly at: Instant; readonly event: AssentEvent }
  | { readonly kind: "consent"; readonly at: Instant; readonly record: ConsentRecord }
  | { readonly kind: "suppression"; readonly at: Instant; readonly record: SuppressionRecord }
  | { readonly kind: "gpc"; readonly at: Instant; readonly subjectId: string }
  | {
      readonly kind: "contact";
      readonly at: Instant;
      readonly subjectId: string;
      readonly channel: Channel;
      readonly jurisdiction: string;
    };

/** What to simulate: which playbook's customers, how many, for how long, from which seed. */
export interface SimulationOptions {
  readonly playbook: SimPlaybook;
  readonly subjects: number;
  readonly days: number;
  readonly seed: number;
  /** Day 0 begins here; best at a UTC midnight so that daily jobs run at their usual hours. */
  readonly start: Instant;
}
