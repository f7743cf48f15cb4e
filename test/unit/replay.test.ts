import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Decision } from "../../src/engine/types.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { replayPlaybook, STARTER_PLAYBOOKS } from "../../src/replay/replay.ts";

/** The starter playbooks replayed over simulated streams: the path `assent simulate` takes. */

const deployment = loadDeploymentFromDir("examples");
const options = { subjects: 300, days: 40, seed: 11, start: Date.parse("2025-01-06T00:00:00Z") };

function run(playbook: (typeof STARTER_PLAYBOOKS)[number], seed = options.seed) {
  const decisions: Decision[] = [];
  replayPlaybook(deployment, { ...options, seed, playbook }, (d) => decisions.push(d));
  return decisions;
}

describe("replaying the starter playbooks", () => {
  for (const playbook of STARTER_PLAYBOOKS) {
    test(`${playbook}: every node acts at least once and none fails closed`, () => {
      const decisions = run(playbook);
      const nodes = deployment.playbooks.find((p) => p.name === playbook)?.nodes ?? [];
      for (const node of nodes) {
        const acts = decisions.filter((d) => d.nodeId === node.id && d.outcome === "act");
        assert.ok(acts.length > 0, `node ${node.id} never acted`);
      }
      const faults = decisions.filter((d) => d.reason === "error");
      assert.deepEqual(
        faults.map((d) => d.errorCode),
        [],
      );
    });
  }

  test("the same seed gives the same decisions", () => {
    assert.deepEqual(run("insurance", 5), run("insurance", 5));
  });

  test("a deferred decision is re-decided when due and never acts before its instant", () => {
    const decisions = run("retail");
    const deferred = decisions.filter((d) => d.outcome === "defer");
    assert.ok(deferred.length > 0, "the stream exercises deferral");
    for (const d of deferred) assert.ok((d.deferUntil ?? 0) > d.decidedAt);
    const redecided = deferred.filter((d) =>
      decisions.some((later) => later.eventId === d.eventId && later.decidedAt === d.deferUntil),
    );
    assert.equal(redecided.length, deferred.length);
  });

  test("every decision names its release and carries one step per check it made", () => {
    for (const d of run("saas")) {
      assert.match(d.versions.release, /^saas@\d+$/);
      assert.ok(d.steps.length >= 1 && d.steps.length <= 9);
      assert.equal(d.steps.at(-1)?.verdict === "fail", d.outcome !== "act");
    }
  });
});
