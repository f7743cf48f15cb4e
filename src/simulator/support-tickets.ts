import { DAY, HOUR } from "./clock.ts";
import type { SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";

/**
 * Support tickets of SaaS accounts: opened at local hours, resolved by staff in office hours,
 * and now and then rated in a satisfaction survey (ticket.csat, 1 to 5).
 */

/** Opens a ticket on `day` now and then; new accounts in their first two weeks ask far more. */
export function maybeTicket(sim: Sim, subject: SimSubject, onboarding: boolean, day: number) {
  if (subject.random.chance(onboarding ? 1 / 12 : 1 / 45)) openTicket(sim, subject, day);
}

/** A ticket is resolved in office hours, usually within a day; 45% answer the survey. */
function openTicket(sim: Sim, subject: SimSubject, day: number) {
  const random = subject.random;
  const category = random.weighted([
    ["how_to", 40],
    ["bug", 30],
    ["billing", 20],
    ["outage", 10],
  ]);
  const priority =
    category === "outage"
      ? "urgent"
      : random.weighted([
          ["low", 30],
          ["normal", 60],
          ["urgent", 10],
        ]);
  const openedAt = sim.activeAt(subject, day);
  const data = { "ticket.category": category, "ticket.priority": priority };
  sim.timeline.event(subject, openedAt, "ticket.opened", "support", data);

  const resolution = Math.min(10 * DAY, random.logNormal(18 * HOUR, 1));
  const earliest = openedAt + resolution;
  const resolvedAt = sim.officeAt(subject, sim.clock.dayOf(earliest), earliest);
  sim.timeline.event(subject, resolvedAt, "ticket.resolved", "support", {
    "ticket.category": category,
  });
  if (!random.chance(0.45)) return;

  const reply = Math.min(3 * DAY, random.logNormal(2 * HOUR, 1.2));
  const csat = satisfaction(subject, resolvedAt - openedAt > 3 * DAY);
  sim.timeline.event(
    subject,
    sim.activeAfter(subject, resolvedAt, reply),
    "ticket.csat_received",
    "support",
    {
      "ticket.csat": csat,
      "ticket.category": category,
    },
  );
}

/** Mostly 4s and 5s; a slow resolution often costs two points. */
function satisfaction(subject: SimSubject, slow: boolean): number {
  const random = subject.random;
  const score = random.weighted([
    [5, 50],
    [4, 26],
    [3, 10],
    [2, 7],
    [1, 7],
  ]);
  return slow && random.chance(0.4) ? Math.max(1, score - 2) : score;
}
