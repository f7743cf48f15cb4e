import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AttributeType } from "../../src/engine/node.ts";
import { bundleEnvironment, compileRule, type RuleScope } from "../../src/playbook/index.ts";

const BUNDLE = new Map<string, AttributeType>([
  ["claim.status", "string"],
  ["claim.amount", "number"],
  ["claim.opened_at", "timestamp"],
  ["claim.tags", "string_list"],
  ["subject.vip", "boolean"],
]);
const SCOPE: RuleScope = {
  nodeId: "n",
  bundle: BUNDLE,
  catalog: new Set([...BUNDLE.keys(), "claim.next_step"]),
};
const ENVIRONMENT = bundleEnvironment(BUNDLE);

function rule(text: string) {
  const result = compileRule(text, "eligibility", SCOPE, ENVIRONMENT);
  if (result.rule === undefined) throw new Error(result.problems.join("\n"));
  return result.rule;
}

const NOW = new Date("2026-03-01T12:00:00Z");
const CONTEXT = {
  claim: {
    status: "open",
    amount: 30000,
    opened_at: new Date("2026-02-20T09:00:00Z"),
    tags: ["water"],
  },
  subject: { vip: true },
  event: { type: "claim.day_elapsed", data: { day: 3, urgent: "yes" } },
  now: NOW,
};

describe("compiled rules", () => {
  test("every catalog type maps to a CEL type that rules can compare", () => {
    const text =
      'claim.status == "open" && claim.amount > 25000 && claim.opened_at < now - duration("72h")' +
      ' && "water" in claim.tags && subject.vip && event.data.day == 3';
    assert.equal(rule(text).evaluate(CONTEXT), true);
    assert.equal(rule(text).evaluate({ ...CONTEXT, subject: { vip: false } }), false);
  });

  test("a rule records the bundle attributes it reads, once each, sorted", () => {
    const compiled = rule('claim.status == "open" || (has(claim.amount) && claim.amount > 1.0)');
    assert.deepEqual(compiled.attributes, ["claim.amount", "claim.status"]);
    assert.deepEqual(rule('event.type == "claim.opened"').attributes, []);
  });

  test("an absent optional attribute can be tested with has()", () => {
    const compiled = rule("has(claim.amount) ? claim.amount > 1.0 : true");
    assert.equal(compiled.evaluate({ ...CONTEXT, claim: { status: "open" } }), true);
  });

  test("a dyn result is checked when evaluated: a non-bool throws", () => {
    const compiled = rule("event.data.urgent");
    assert.throws(() => compiled.evaluate(CONTEXT), /not bool/);
    assert.equal(
      compiled.evaluate({ ...CONTEXT, event: { type: "x", data: { urgent: true } } }),
      true,
    );
  });

  test("a read outside the bundle is refused even when the namespace is in it", () => {
    const result = compileRule('claim.next_step == "call"', "eligibility", SCOPE, ENVIRONMENT);
    assert.deepEqual(result.problems, [
      "node n reads claim.next_step, which is not in its context bundle: add claim.next_step to bundle or stop reading it",
    ]);
  });

  test("a read of a namespace the catalog does not have is a type error", () => {
    const result = compileRule("account.tier == 1", "eligibility", SCOPE, ENVIRONMENT);
    assert.deepEqual(result.problems, [
      "eligibility does not type-check: Unknown variable: account (at character 1 of the rule)",
    ]);
  });
});
