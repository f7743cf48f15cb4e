import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decideNode } from "../../src/engine/engine.ts";
import type { CompiledNode, ExperimentSpec } from "../../src/engine/node.ts";
import type { Cap, ConsentView, Decision, SendRecord } from "../../src/engine/types.ts";
import {
  arbCaps,
  arbConsentView,
  arbExperiment,
  arbNodeShape,
  arbQuietHours,
  arbZone,
  grantedView,
  T0,
} from "../support/arbitraries.ts";
import { attribute, DAY, input, node, policy, profileOf } from "../support/builders.ts";
import { insideQuietHours, lawfulAt, maxInAnyWindow } from "../support/oracles.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();
const GATES = ["trigger", "freshness", "eligibility", "permission", "scope", "pacing"];

function gatesPassed(decision: Decision): boolean {
  return GATES.every((name) => decision.steps.some((s) => s.step === name && s.verdict === "pass"));
}

test("never act without a valid lawful basis at the decision instant", () => {
  fc.assert(
    fc.property(
      arbNodeShape(),
      arbConsentView(),
      fc.integer({ min: 0, max: 120 }),
      (shape, view, d) => {
        const now = T0 + d * DAY + 3_600_000 * 13;
        const decision = decideNode(node(shape), policy(), input(now, { consent: view }));
        if (decision.outcome !== "act") return;
        const channel = decision.action?.channel;
        assert.ok(channel !== undefined, "an act carries its action");
        assert.ok(
          lawfulAt(view, shape.purpose, shape.basis, channel, now),
          decision.steps[3]?.detail,
        );
      },
    ),
    { numRuns },
  );
});

/** Replays requests for one subject; an act becomes a send, a defer is retried when due. */
function replay(subject: CompiledNode, caps: readonly Cap[], view: ConsentView, at: number[]) {
  const sends: SendRecord[] = [];
  const decisions: Decision[] = [];
  const queue = [...at].sort((a, b) => a - b);
  for (let guard = 0; queue.length > 0 && guard < 200; guard += 1) {
    const now = queue.shift() ?? 0;
    const decision = decideNode(
      subject,
      policy({ caps }),
      input(now, { consent: view, history: sends }),
    );
    decisions.push(decision);
    if (decision.outcome === "act" && decision.action !== undefined) {
      sends.push({
        at: now,
        channel: decision.action.channel,
        nodeId: subject.id,
        basis: subject.basis,
      });
    }
    if (decision.outcome === "defer" && decision.deferUntil !== undefined) {
      assert.ok(decision.deferUntil > now, "a deferral points to the future");
      queue.push(decision.deferUntil);
      queue.sort((a, b) => a - b);
    }
  }
  return { sends, decisions };
}

test("never more sends than a cap in any window", () => {
  const requests = fc.array(fc.integer({ min: 0, max: 20 * DAY }), { minLength: 1, maxLength: 25 });
  fc.assert(
    fc.property(arbCaps(), requests, (caps, offsets) => {
      const subject = node({ caps: caps.node });
      const { sends } = replay(
        subject,
        caps.global,
        grantedView(),
        offsets.map((o) => T0 + o),
      );
      for (const cap of [...caps.node, ...caps.global]) {
        if (cap.max === undefined) continue;
        assert.ok(maxInAnyWindow(sends, cap.periodMs) <= cap.max, `cap ${cap.id} exceeded`);
      }
    }),
    { numRuns },
  );
});

test("never act inside quiet hours in the subject's zone", () => {
  fc.assert(
    fc.property(
      arbQuietHours(),
      arbZone(),
      fc.integer({ min: 0, max: 730 * DAY }),
      (quiet, zone, o) => {
        const now = T0 + o;
        const subject = node({ quietHours: quiet, bundle: [attribute("subject.timezone")] });
        const profile = profileOf({ "subject.timezone": { value: zone, updatedAt: now } });
        const decision = decideNode(
          subject,
          policy(),
          input(now, { consent: grantedView(), profile }),
        );
        if (decision.outcome === "act") assert.ok(!insideQuietHours(quiet, zone, now));
        else assert.equal(decision.reason, "quiet_hours");
        if (decision.deferUntil !== undefined) {
          assert.ok(
            !insideQuietHours(quiet, zone, decision.deferUntil),
            "deferred into quiet hours",
          );
        }
      },
    ),
    { numRuns },
  );
});

test("holdout and treatment both hold only subjects who passed every gate", () => {
  const arbCase = fc.tuple(arbNodeShape(), arbConsentView(), arbExperiment(), fc.nat(120));
  fc.assert(
    fc.property(arbCase, fc.uuid(), ([shape, view, experiment, d], subjectId) => {
      const now = T0 + d * DAY + 3_600_000 * 13;
      const subject = node({ ...shape, experiment });
      const event = { ...input(now).event, subjectId };
      const decision = decideNode(subject, policy(), input(now, { consent: view, event }));
      if (decision.outcome !== "holdout" && decision.arm === undefined) return;
      if (decision.outcome !== "holdout" && decision.outcome !== "act") return;
      assert.ok(gatesPassed(decision), "an assigned subject passed the gates");
      const channel = decision.action?.channel;
      assert.ok(channel !== undefined, "holdout carries the action it would have taken");
      assert.ok(lawfulAt(view, shape.purpose, shape.basis, channel, now));
      assertArmConsistent(experiment, decision);
    }),
    { numRuns },
  );
});

function assertArmConsistent(experiment: ExperimentSpec, decision: Decision): void {
  if (decision.outcome === "holdout") assert.equal(decision.arm, experiment.control);
  else assert.notEqual(decision.arm, experiment.control);
}
