import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { AssentEvent } from "../../src/engine/types.ts";
import type { Timer } from "../../src/timers/timer.ts";
import { planTimers, timerIndex } from "../../src/timers/timer-plan.ts";
import { propertyRuns } from "../support/property-runs.ts";
import { deployment } from "./timers-support.ts";

/**
 * For every stream of claims opened and closed, the day-3 timer fires for exactly the claims
 * that no newer claim and no closing replaced or cancelled within three days: planning event by
 * event, with due timers fired before each later event, agrees with reading the whole stream.
 */

const DAY = 86_400_000;
const index = timerIndex(deployment.playbooks.flatMap((playbook) => playbook.nodes));

interface Step {
  readonly type: "claim.opened" | "claim.closed";
  readonly gapMs: number;
}

const steps = fc.array(
  fc.record({
    type: fc.constantFrom<Step["type"]>("claim.opened", "claim.closed"),
    gapMs: fc.oneof(fc.integer({ min: 0, max: 6 * DAY }), fc.constant(3 * DAY)),
  }),
  { maxLength: 12 },
);

function eventsOf(list: readonly Step[]): AssentEvent[] {
  let at = Date.UTC(2025, 2, 3, 10);
  return list.map((step, index_) => {
    at += step.gapMs;
    return {
      id: `e-${index_}`,
      type: step.type,
      schemaVersion: 1,
      subjectId: "s-1",
      occurredAt: at,
      receivedAt: at,
      source: "t",
      data: {},
    };
  });
}

/** Plans event by event; a pending timer due by an event's instant fires before it. */
function firedByPlanning(events: readonly AssentEvent[]): string[] {
  const fired: string[] = [];
  let pending: Timer[] = [];
  let id = 0;
  for (const event of events) {
    for (const timer of pending.filter((each) => each.dueAt <= event.occurredAt)) {
      fired.push(timer.eventId);
    }
    pending = pending.filter((each) => each.dueAt > event.occurredAt);
    const scene = { event, attributes: [], pending, profile: new Map(), now: event.occurredAt };
    for (const change of planTimers(index, { ...scene, newId: () => `t-${++id}` })) {
      if (change.op === "cancel") pending = pending.filter((t) => t !== change.timer);
      else pending.push(change.timer);
    }
  }
  return [...fired, ...pending.map((timer) => timer.eventId)];
}

/** The whole stream at once: an opening fires unless another event ends it within 3 days. */
function firedByReading(events: readonly AssentEvent[]): string[] {
  return events
    .filter((opened) => opened.type === "claim.opened")
    .filter((opened) => {
      const due = opened.occurredAt + 3 * DAY;
      return !events.some(
        (other) =>
          other !== opened &&
          events.indexOf(other) > events.indexOf(opened) &&
          other.occurredAt < due,
      );
    })
    .map((opened) => opened.id);
}

test("the day-3 timer fires exactly for the claims nothing replaced or closed within 3 days", () => {
  fc.assert(
    fc.property(steps, (list) => {
      const events = eventsOf(list);
      assert.deepEqual(firedByPlanning(events), firedByReading(events));
    }),
    { numRuns: propertyRuns() },
  );
});
