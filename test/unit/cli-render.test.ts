/**
 * `assent explain` prints a decision with the versions that made it: the release, the playbook
 * and, for a node with a model, the model's `id@version` the decision record keeps.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderDecision } from "../../src/cli/render.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";

const NOW = Date.parse("2026-03-03T11:00:00Z");
const SUBJECT = "c-1001";

/** The retail campaign node's decision for a consenting customer, as README's library example. */
function campaignDecision() {
  const deployment = loadDeploymentFromDir("examples");
  const engine = createEngine(
    deployment.playbooks.flatMap((playbook) => playbook.nodes),
    deployment.policy,
  );
  const attributes = {
    "retail.recency": 2,
    "retail.history": 310.5,
    "retail.mens": false,
    "retail.womens": true,
    "retail.zip_code": "Urban",
    "retail.newbie": false,
    "retail.channel": "Web",
  };
  const profile = new Map(
    Object.entries(attributes).map(([name, value]) => [name, { value, updatedAt: NOW - 60_000 }]),
  );
  const grant = {
    id: "consent-1",
    subjectId: SUBJECT,
    purpose: "marketing.campaigns",
    channel: "email" as const,
    kind: "grant" as const,
    capturedAt: NOW - 86_400_000,
    source: "web",
    evidence: "form-17",
  };
  const [decision] = engine.decide({
    event: {
      id: "e-1",
      type: "campaign.slot_opened",
      schemaVersion: 1,
      subjectId: SUBJECT,
      occurredAt: NOW,
      receivedAt: NOW,
      source: "crm",
      data: {},
    },
    profile,
    consent: {
      subjectId: SUBJECT,
      records: [grant],
      suppressions: [],
      contacts: { email: { jurisdiction: "NL" } },
    },
    history: [],
    release: { id: "retail@1", state: "live", disabledNodes: [] },
    now: NOW,
  });
  assert.ok(decision !== undefined, "the campaign node decides");
  return decision;
}

describe("renderDecision", () => {
  test("names the release, the playbook and the model version the decision record keeps", () => {
    const decision = campaignDecision();
    assert.equal(decision.nodeId, "category-campaign");
    const model = decision.versions.model;
    assert.ok(model?.startsWith("category-visit@"), `the node's model version, got ${model}`);
    const lines = renderDecision(decision).split("\n");
    assert.equal(
      lines[2],
      `  versions: release retail@1, playbook retail v${decision.versions.playbook}, model ${model}`,
    );
  });
});
