import type { ConsentPlan } from "./consent-signals.ts";
import type { SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";

/**
 * How one kind of customer behaves. `begin` runs once per subject before day 0 (an import of
 * an existing customer, or a planned sign-up) and returns the subject's state; `day` then runs
 * once per subject per day, in subject order, and may schedule items on that day or later.
 */
export interface PlaybookModel<State> {
  readonly consent: ConsentPlan;
  begin(sim: Sim, subject: SimSubject): State;
  day(sim: Sim, subject: SimSubject, state: State, day: number): void;
}
