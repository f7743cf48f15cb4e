import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DecisionSummary } from "../../src/app/assent-app.ts";
import { lateFirings } from "../../src/timers/late-firings.ts";

function fired(firedLateByMs: number): DecisionSummary {
  return {
    decisionId: `d-${firedLateByMs}`,
    nodeId: "claim-status-day-3",
    outcome: "act",
    reason: "eligible",
    timer: { timerId: "t-1", dueAt: "2025-03-06T10:00:00.000Z", firedLateByMs },
  };
}

describe("late timer firings for the service log", () => {
  it("counts firings later than a second and keeps the largest lateness", () => {
    const onEvent: DecisionSummary = {
      decisionId: "d-e",
      nodeId: "service-recovery-low-csat",
      outcome: "act",
      reason: "eligible",
    };
    assert.deepEqual(lateFirings([fired(0), fired(1_000), fired(29_320), fired(5_000), onEvent]), {
      late: 2,
      maxLateMs: 29_320,
    });
  });

  it("says nothing when every firing was on time", () => {
    assert.equal(lateFirings([fired(0), fired(1_000)]), undefined);
    assert.equal(lateFirings([]), undefined);
  });
});
