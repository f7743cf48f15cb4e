import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEngine, decideNode } from "../../src/engine/engine.ts";
import { REASONS } from "../../src/engine/reasons.ts";
import type { ConsentView } from "../../src/engine/types.ts";
import { grantedView, T0 } from "../support/arbitraries.ts";
import {
  attribute,
  DAY,
  event,
  HOUR,
  input,
  message,
  node,
  policy,
  profileOf,
  rule,
  service,
} from "../support/builders.ts";

const noon = T0 + 12 * HOUR; // 2025-01-06T12:00Z, 13:00 in Amsterdam
const granted = grantedView();

function decide(overrides: Parameters<typeof node>[0] = {}, at = noon, extra = {}) {
  return decideNode(node(overrides), policy(), input(at, { consent: granted, ...extra }));
}

describe("the explanation cites each piece of evidence once", () => {
  const twoChannels = {
    channels: ["email" as const, "push" as const],
    actions: [message({ channels: ["email", "push"] })],
  };

  test("a cap that both channels count is cited once in pacing, in the order first cited", () => {
    const fortnightly = { id: "fortnightly", scope: "node" as const, max: 1, periodMs: 14 * DAY };
    const weekly = { id: "weekly", scope: "global" as const, max: 5, periodMs: 7 * DAY };
    const decision = decideNode(
      node({ ...twoChannels, caps: [{ ...fortnightly, counts: "all" }] }),
      policy({ caps: [{ ...weekly, counts: "all" }] }),
      input(noon, { consent: granted }),
    );
    const pacing = decision.steps.find((step) => step.step === "pacing");
    assert.deepEqual(pacing?.evidence, ["cap:fortnightly", "cap:weekly"]);
  });

  test("a consent record that covers both channels is cited once in permission", () => {
    const decision = decideNode(node(twoChannels), policy(), input(noon, { consent: granted }));
    const permission = decision.steps.find((step) => step.step === "permission");
    assert.deepEqual(permission?.evidence, ["c-grant"]);
  });
});

describe("the pipeline", () => {
  test("a subject who passes every gate is acted on, with every step explained in order", () => {
    const decision = decide();
    assert.equal(decision.outcome, "act");
    assert.equal(decision.reason, "eligible");
    const order = decision.steps.map((s) => s.step);
    assert.deepEqual(order, [
      "trigger",
      "freshness",
      "eligibility",
      "permission",
      "scope",
      "pacing",
      "assignment",
      "choice",
      "review",
    ]);
    assert.equal(decision.sentence, REASONS.eligible.sentence);
    assert.deepEqual(decision.action, {
      kind: "message",
      template: "offer-v1",
      channel: "email",
      value: 1,
      priority: 1,
      score: undefined,
    });
  });

  test("a killed release suppresses with reason killed", () => {
    const release = { id: "r@2", state: "killed" as const, disabledNodes: [] };
    const decision = decide({}, noon, { release });
    assert.equal(decision.outcome, "suppress");
    assert.equal(decision.reason, "killed");
  });

  test("a node disabled in the release abstains", () => {
    const release = { id: "r@2", state: "live" as const, disabledNodes: ["test-node"] };
    assert.equal(decide({}, noon, { release }).reason, "node_disabled");
  });

  test("a trigger condition that does not hold abstains with no_trigger_match", () => {
    const when = rule("false", [], () => false);
    const decision = decide({ trigger: { event: "test.happened", when } });
    assert.equal(decision.outcome, "abstain");
    assert.equal(decision.reason, "no_trigger_match");
  });

  test("a missing required attribute abstains; a stale one abstains with stale_attribute", () => {
    const bundle = [attribute("claim.status", { freshnessMs: DAY })];
    assert.equal(decide({ bundle }).reason, "missing_attribute");
    const profile = profileOf({ "claim.status": { value: "open", updatedAt: noon - DAY - 1 } });
    const stale = decide({ bundle }, noon, { profile });
    assert.equal(stale.outcome, "abstain");
    assert.equal(stale.reason, "stale_attribute");
    const fresh = profileOf({ "claim.status": { value: "open", updatedAt: noon - DAY } });
    assert.equal(decide({ bundle }, noon, { profile: fresh }).outcome, "act");
  });

  test("an eligibility rule that is false suppresses with not_eligible", () => {
    const eligibility = rule("claim.status == 'open'", ["claim.status"], (c) => {
      const claim = c.claim;
      return (
        typeof claim === "object" && claim !== null && "status" in claim && claim.status === "open"
      );
    });
    const bundle = [attribute("claim.status")];
    const closed = profileOf({ "claim.status": { value: "closed", updatedAt: noon } });
    assert.equal(decide({ bundle, eligibility }, noon, { profile: closed }).reason, "not_eligible");
    const open = profileOf({ "claim.status": { value: "open", updatedAt: noon } });
    assert.equal(decide({ bundle, eligibility }, noon, { profile: open }).outcome, "act");
  });

  test("reading an attribute that resides elsewhere suppresses with residency", () => {
    const bundle = [attribute("billing.iban", { residency: "us" })];
    const profile = profileOf({ "billing.iban": { value: "x", updatedAt: noon } });
    assert.equal(decide({ bundle }, noon, { profile }).reason, "residency");
  });

  test("no consent on record suppresses with consent_missing", () => {
    const empty: ConsentView = { subjectId: "s-1", records: [], suppressions: [], contacts: {} };
    const decision = decide({}, noon, { consent: empty });
    assert.equal(decision.outcome, "suppress");
    assert.equal(decision.reason, "consent_missing");
  });

  test("a template on the global deny list suppresses with denied", () => {
    const deny = { actions: [], channels: [], templates: ["offer-v1"] };
    const decision = decideNode(node(), policy({ deny }), input(noon, { consent: granted }));
    assert.equal(decision.reason, "denied");
  });

  test("a subject with no zone is paced in the deployment default and the explanation says so", () => {
    const quietHours = { startMinute: 21 * 60, endMinute: 8 * 60, mode: "defer" as const };
    const late = T0 + 21 * HOUR; // 22:00 in Amsterdam
    const decision = decide({ quietHours }, late);
    assert.equal(decision.outcome, "defer");
    assert.equal(decision.reason, "quiet_hours");
    assert.equal(decision.deferUntil, T0 + DAY + 7 * HOUR); // 08:00 Amsterdam next day
    const pacing = decision.steps.find((s) => s.step === "pacing");
    assert.match(pacing?.detail ?? "", /no time zone on file, used the default Europe\/Amsterdam/);
  });

  test("a zone on file that is not an IANA zone falls back to the default, and says so", () => {
    const quietHours = { startMinute: 21 * 60, endMinute: 8 * 60, mode: "defer" as const };
    const bundle = [attribute("subject.timezone", { optional: true })];
    const profile = profileOf({ "subject.timezone": { value: "Mars/Olympus", updatedAt: noon } });
    const decision = decide({ quietHours, bundle }, T0 + 21 * HOUR, { profile });
    assert.equal(decision.deferUntil, T0 + DAY + 7 * HOUR);
    const pacing = decision.steps.find((s) => s.step === "pacing");
    assert.match(pacing?.detail ?? "", /not an IANA zone, used the default Europe\/Amsterdam/);
  });

  test("a zone on file outside the node's bundle is not read: the default is used, and said", () => {
    const quietHours = { startMinute: 21 * 60, endMinute: 8 * 60, mode: "defer" as const };
    const profile = profileOf({ "subject.timezone": { value: "Asia/Tokyo", updatedAt: noon } });
    const decision = decide({ quietHours, bundle: [] }, T0 + 21 * HOUR, { profile });
    assert.equal(decision.deferUntil, T0 + DAY + 7 * HOUR); // 08:00 Amsterdam, not Tokyo
    const pacing = decision.steps.find((s) => s.step === "pacing");
    assert.match(pacing?.detail ?? "", /subject.timezone is not in the bundle/);
  });

  test("quiet hours in drop mode suppress with reason quiet_hours", () => {
    const quietHours = { startMinute: 21 * 60, endMinute: 8 * 60, mode: "drop" as const };
    const decision = decide({ quietHours }, T0 + 21 * HOUR);
    assert.equal(decision.outcome, "suppress");
    assert.equal(decision.reason, "quiet_hours");
    assert.equal(decision.deferUntil, undefined);
  });

  test("a value above the review threshold waits for a person", () => {
    const decision = decide({ review: { valueAbove: 0.5, sensitive: [] } });
    assert.equal(decision.outcome, "review");
    assert.equal(decision.reason, "review_threshold");
    assert.equal(decision.action?.template, "offer-v1");
  });

  test("reading a present sensitive attribute needs review", () => {
    const bundle = [attribute("claim.diagnosis", { sensitivity: "health" })];
    const profile = profileOf({ "claim.diagnosis": { value: "x", updatedAt: noon } });
    const review = { sensitive: ["health"] };
    assert.equal(decide({ bundle, review }, noon, { profile }).outcome, "review");
  });

  test("the control arm holds out and carries the action it would have taken", () => {
    const experiment = {
      salt: "s",
      arms: [{ name: "holdout", weight: 1 }],
      control: "holdout",
      traffic: 1,
    };
    const decision = decide({ experiment });
    assert.equal(decision.outcome, "holdout");
    assert.equal(decision.reason, "control_arm");
    assert.equal(decision.arm, "holdout");
    assert.equal(decision.action?.template, "offer-v1");
  });

  test("choice takes the highest priority × value", () => {
    const actions = [
      message({ template: "low", value: 2 }),
      message({ template: "high", value: 3 }),
    ];
    assert.equal(decide({ actions }).action?.template, "high");
  });

  test("an internal fault fails closed: suppress with reason error and no action", () => {
    const eligibility = rule("boom", [], () => {
      throw new RangeError("secret@example.com");
    });
    const decision = decide({ eligibility });
    assert.equal(decision.outcome, "suppress");
    assert.equal(decision.reason, "error");
    assert.equal(decision.errorCode, "internal.RangeError");
    assert.equal(decision.action, undefined);
    const last = decision.steps.at(-1);
    assert.equal(last?.step, "eligibility");
    assert.equal(last?.reason, "error");
    assert.doesNotMatch(JSON.stringify(decision), /example\.com/);
  });

  test("a service message on basis contract needs no consent", () => {
    const empty: ConsentView = { subjectId: "s-1", records: [], suppressions: [], contacts: {} };
    const decision = decide({ purpose: service, basis: "contract" }, noon, { consent: empty });
    assert.equal(decision.outcome, "act");
  });

  test("a model built in code reads nothing outside the bundle (the retrieval boundary)", () => {
    const model = {
      id: "m",
      version: "1",
      kind: "propensity" as const,
      // account.seats is in the bundle; account.arr is in the profile but not in the bundle.
      treated: {
        intercept: 0,
        coefficients: { "account.seats": 0.5, "account.arr": 1, "account.plan=gold": 0 },
      },
    };
    const bundle = [attribute("account.seats", { type: "number" }), attribute("account.plan")];
    const profile = profileOf({
      "account.seats": { value: 2, updatedAt: noon },
      "account.arr": { value: 50, updatedAt: noon },
      "account.plan": { value: "gold", updatedAt: noon },
    });
    // sigmoid(0 + 2 · 0.5) = sigmoid(1) = 0.7310585786300049; arr would have made it ~1.
    const decision = decide({ bundle, model }, noon, { profile });
    assert.equal(decision.action?.score, 1 / (1 + Math.exp(-1)));
    // The choice step names the attributes the model read, not its coefficients.
    const choice = decision.steps.find((s) => s.step === "choice");
    assert.deepEqual(choice?.attributes, ["account.plan", "account.seats"]);
  });

  test("a model cut-off (min_score) targets by score: at the cut-off is eligible, below is not", () => {
    const model = {
      id: "renewal",
      version: "3",
      kind: "propensity" as const,
      treated: { intercept: -1, coefficients: { "account.seats": 0.1 } },
      minScore: 0.5,
    };
    const bundle = [attribute("account.seats", { type: "number" })];
    const seats = (n: number) => profileOf({ "account.seats": { value: n, updatedAt: noon } });
    // sigmoid(−1 + 10 · 0.1) = sigmoid(0) = 0.5: at the cut-off, so eligible; the same score
    // goes on to choice.
    const at = decide({ bundle, model }, noon, { profile: seats(10) });
    assert.equal(at.outcome, "act");
    assert.equal(at.action?.score, 0.5);
    // sigmoid(−1 + 9 · 0.1) = sigmoid(−0.1) = 0.47502…: below.
    const below = decide({ bundle, model }, noon, { profile: seats(9) });
    assert.equal(below.outcome, "suppress");
    assert.equal(below.reason, "not_eligible");
    const step = below.steps.find((s) => s.step === "eligibility");
    assert.equal(step?.detail, "model renewal@3 scores 0.4750, below its cut-off 0.5");
    assert.deepEqual(step?.attributes, ["account.seats"]);
    const eligibilityRule = rule("account.seats > 100.0", ["account.seats"], () => false);
    const ruled = decide({ bundle, model, eligibility: eligibilityRule }, noon, {
      profile: seats(10),
    });
    assert.equal(ruled.reason, "not_eligible", "the rule is checked before the model");
    // sigmoid(−0.0001) = 0.499975…: four decimals would print 0.5000 against a cut-off of 0.5.
    const close = { ...model, treated: { intercept: -0.0001, coefficients: {} }, minScore: 0.5 };
    const closeStep = decide({ bundle, model: close }, noon, { profile: seats(10) }).steps.at(-1);
    assert.equal(closeStep?.detail, "model renewal@3 scores 0.49998, below its cut-off 0.5");
    assert.equal(ruled.steps.at(-1)?.detail, "account.seats > 100.0");
  });
});

describe("the engine", () => {
  test("decides only the nodes the event type triggers, in declared order", () => {
    const a = node({ id: "a" });
    const b = node({ id: "b", trigger: { event: "other.type" } });
    const c = node({ id: "c" });
    const engine = createEngine([a, b, c], policy());
    const decisions = engine.decide(input(noon, { consent: granted, event: event(noon) }));
    assert.deepEqual(
      decisions.map((d) => d.nodeId),
      ["a", "c"],
    );
  });
});
