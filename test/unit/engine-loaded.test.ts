import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEngine } from "../../src/engine/engine.ts";
import { loadDeploymentFromSources } from "../../src/playbook/loader.ts";
import { grantedView } from "../support/arbitraries.ts";
import { DAY, event, input, profileOf } from "../support/builders.ts";

/** Playbooks written in YAML, loaded, and decided by the engine: the whole pure path. */

const catalog = `
catalog: t
version: 1
purposes:
  marketing.campaigns: { kind: marketing, description: offers }
attributes:
  contract.term_end:
    { type: timestamp, purposes: [marketing.campaigns], residency: eu, retention: 1y, freshness: 30d, sensitivity: none }
  account.plan:
    { type: string, purposes: [marketing.campaigns], residency: eu, retention: 1y, freshness: 30d, sensitivity: none }
events:
  contract.checked: { version: 1 }
`;

const policy = `
policy: t
region: eu
default_timezone: UTC
caps: []
deny: { actions: [], channels: [], templates: [] }
`;

const playbook = `
playbook: t
version: 4
nodes:
  - id: renewal-soon
    trigger:
      event: contract.checked
      when: contract.term_end - now < duration("2160h") && !(has(event.data.manual) && event.data.manual == true)
    bundle: [contract.term_end, account.plan]
    eligibility: account.plan in ["pro", "team"]
    purpose: marketing.campaigns
    basis: consent
    channels: [email]
    actions:
      - { kind: message, template: renewal-v1, value: 5, priority: 1 }
`;

function load() {
  return loadDeploymentFromSources({
    catalog: { file: "catalog.yaml", text: catalog },
    policy: { file: "policy.yaml", text: policy },
    playbooks: [{ file: "t.yaml", text: playbook }],
  });
}

describe("a loaded playbook decided by the engine", () => {
  const deployment = load();
  const engine = createEngine(deployment.playbooks[0]?.nodes ?? [], deployment.policy);
  const now = Date.parse("2025-06-01T12:00:00Z");

  function decide(termEnd: number, plan: string, data: Record<string, unknown> = {}) {
    const profile = profileOf({
      "contract.term_end": { value: termEnd, updatedAt: now - DAY },
      "account.plan": { value: plan, updatedAt: now - DAY },
    });
    const happened = event(now, { type: "contract.checked", data });
    return engine.decide(input(now, { event: happened, profile, consent: grantedView() }));
  }

  test("a timestamp attribute compared with now fires inside the window", () => {
    const [decision] = decide(now + 80 * DAY, "pro");
    assert.equal(decision?.outcome, "act");
    assert.equal(decision?.versions.playbook, 4);
  });

  test("outside the window the trigger does not match", () => {
    assert.equal(decide(now + 100 * DAY, "pro")[0]?.reason, "no_trigger_match");
  });

  test("the event's data is readable in the trigger condition", () => {
    assert.equal(decide(now + 80 * DAY, "pro", { manual: true })[0]?.reason, "no_trigger_match");
  });

  test("the eligibility rule reads the bundle", () => {
    assert.equal(decide(now + 80 * DAY, "free")[0]?.reason, "not_eligible");
  });
});
