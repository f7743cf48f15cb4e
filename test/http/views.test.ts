import assert from "node:assert/strict";
import { test } from "node:test";
import { decisionView } from "../../src/http/views.ts";
import { decision, T0 } from "./support.ts";

/** Decisions are answered with instants in ISO 8601, fields in the decision's own order. */

const HOUR = 3_600_000;

test("a deferred decision caused by a timer answers its instants in ISO 8601, in place", () => {
  const timer = { timerId: "t-1", dueAt: T0, firedLateByMs: 12, why: "3d after claim.opened e-1" };
  const view = decisionView(decision({ outcome: "defer", deferUntil: T0 + HOUR, timer }));

  assert.equal(view.decidedAt, "2026-03-02T09:00:00.000Z");
  assert.equal(view.deferUntil, "2026-03-02T10:00:00.000Z");
  assert.deepEqual(view.timer, { ...timer, dueAt: "2026-03-02T09:00:00.000Z" });
  const keys = Object.keys(JSON.parse(JSON.stringify(view)));
  assert.deepEqual(keys.slice(0, 7), [
    "nodeId",
    "playbook",
    "subjectId",
    "eventId",
    "decidedAt",
    "outcome",
    "reason",
  ]);
  assert.deepEqual(keys.slice(-2), ["deferUntil", "timer"]);
});

test("a decision without a deferral or a timer answers neither field", () => {
  const answered = JSON.parse(JSON.stringify(decisionView(decision())));
  assert.equal(answered.decidedAt, "2026-03-02T09:00:00.000Z");
  assert.ok(!("deferUntil" in answered));
  assert.ok(!("timer" in answered));
});

test("decisions decided in the same millisecond and in the next one each get their own instant", () => {
  const instants = [T0, T0, T0 + 1, T0].map((at) => decisionView(decision({ decidedAt: at })));
  assert.deepEqual(
    instants.map((view) => view.decidedAt),
    [
      "2026-03-02T09:00:00.000Z",
      "2026-03-02T09:00:00.000Z",
      "2026-03-02T09:00:00.001Z",
      "2026-03-02T09:00:00.000Z",
    ],
  );
});
