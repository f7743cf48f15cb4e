import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AssentEvent } from "../../src/engine/types.ts";
import { eventsOf, run, START } from "./simulator-helpers.ts";

const DAY = 86_400_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function byType(events: readonly AssentEvent[], type: string): AssentEvent[] {
  return events.filter((event) => event.type === type);
}

describe("simulated streams are realistic", () => {
  it("claims open, move through review and close days or weeks later", () => {
    const events = eventsOf(run("insurance"));
    const openedAt = new Map<string, number>();
    const durations: number[] = [];
    for (const event of events) {
      if (event.type === "claim.opened") openedAt.set(event.subjectId, event.occurredAt);
      const opened = openedAt.get(event.subjectId);
      if (event.type !== "claim.closed" || opened === undefined) continue;
      durations.push((event.occurredAt - opened) / DAY);
      openedAt.delete(event.subjectId);
    }
    assert.ok(durations.length > 50, `${durations.length} closed claims`);
    assert.ok(
      durations.every((days) => days > 1),
      "a claim closed within a day",
    );
    const typical = median(durations);
    assert.ok(typical > 5 && typical < 30, `median claim lasts ${typical} days`);
    assert.ok(byType(events, "claim.status_changed").length > durations.length);
  });

  it("time passing is no event: no day_elapsed events; some holders call about open claims", () => {
    const events = eventsOf(run("insurance"));
    assert.equal(events.filter((event) => event.type.endsWith(".day_elapsed")).length, 0);
    const calls = byType(events, "call.inbound").filter(
      (e) => e.data["call.reason"] === "claim_status",
    );
    assert.ok(byType(events, "claim.opened").length > 50 && calls.length > 20);
  });

  it("satisfaction scores are mostly high, with a tail of poor ones", () => {
    const scores = byType(eventsOf(run("saas")), "ticket.csat_received").map((event) =>
      Number(event.data["ticket.csat"]),
    );
    const high = scores.filter((score) => score >= 4).length / scores.length;
    const poor = scores.filter((score) => score <= 2).length / scores.length;
    assert.ok(high > 0.65, `high share ${high}`);
    assert.ok(poor > 0.08 && poor < 0.25, `poor share ${poor}`);
  });

  it("most new accounts reach their first project, at varying delays", () => {
    const events = eventsOf(run("saas"));
    const cutoff = START + 60 * DAY;
    const signups = byType(events, "account.signed_up").filter(
      (event) => event.occurredAt < cutoff,
    );
    const reached = new Map(byType(events, "milestone.first_project").map((e) => [e.subjectId, e]));
    const delays = signups.flatMap((signup) => {
      const milestone = reached.get(signup.subjectId);
      return milestone === undefined ? [] : [(milestone.occurredAt - signup.occurredAt) / DAY];
    });
    assert.ok(delays.length / signups.length > 0.6, `${delays.length} of ${signups.length}`);
    assert.ok(delays.some((days) => days < 1) && delays.some((days) => days > 5));
  });

  it("renewals come up across the run, and most contracts renew", () => {
    const events = eventsOf(run("saas"));
    const renewed = byType(events, "contract.renewed").length;
    const cancelled = byType(events, "contract.cancelled").length;
    assert.ok(
      renewed > 2 * cancelled && cancelled > 0,
      `${renewed} renewed, ${cancelled} cancelled`,
    );
    // The reminder timer counts back from contract.term_end: many terms end 90 to 180 days in.
    const windows = events.filter((event) => {
      const end = event.data["contract.term_end"];
      return (
        typeof end === "number" && end - 90 * DAY > event.occurredAt && end < START + 180 * DAY
      );
    });
    assert.ok(windows.length > 100, `${windows.length} contracts reach 90 days before term end`);
  });
});
