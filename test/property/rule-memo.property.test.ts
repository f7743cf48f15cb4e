import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ruleContext } from "../../src/engine/context.ts";
import type { AttributeType, RuleContext } from "../../src/engine/node.ts";
import type { AttributeValue } from "../../src/engine/types.ts";
import { bundleEnvironment, compileRule, type RuleScope } from "../../src/playbook/index.ts";
import { memoReads, profileKey } from "../../src/playbook/rule-memo.ts";
import { attribute, event, node } from "../support/builders.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();

const BUNDLE = new Map<string, AttributeType>([
  ["claim.status", "string"],
  ["claim.amount", "number"],
  ["claim.opened_at", "timestamp"],
  ["claim.tags", "string_list"],
  ["subject.vip", "boolean"],
]);
const SCOPE: RuleScope = { nodeId: "n", bundle: BUNDLE, catalog: new Set(BUNDLE.keys()) };
const ENVIRONMENT = bundleEnvironment(BUNDLE);

/** Rules over the bundle alone (remembered) and rules that also read `now` (never remembered). */
const RULES = [
  'claim.status == "open" && claim.amount > 2.0',
  "subject.vip || 1.0 / claim.amount < 0.0",
  '"vip" in claim.tags || claim.status in ["open", "o"]',
  "claim.opened_at < timestamp('2026-01-01T00:00:00Z') && !subject.vip",
  "has(claim.amount) && claim.amount >= -0.0",
  "claim.tags.exists(t, t == claim.status)",
  "now - claim.opened_at > duration('24h')",
];

/** A few values per attribute, so that contexts repeat and remembered results are reused. */
const arbContext = fc.record({
  claim: fc.record(
    {
      status: fc.constantFrom("open", "o", "closed", "", "open "),
      amount: fc.constantFrom(0, -0, 2, 2.5, 1e300, Number.NaN),
      opened_at: fc
        .constantFrom(Date.UTC(2025, 11, 31), Date.UTC(2026, 0, 1))
        .map((t) => new Date(t)),
      tags: fc.constantFrom([], ["vip"], ["open"], ["o", "vip"]),
    },
    { requiredKeys: ["status", "opened_at", "tags"] },
  ),
  subject: fc.record({ vip: fc.boolean() }),
  now: fc.constantFrom(Date.UTC(2026, 0, 1, 12), Date.UTC(2026, 0, 3)).map((t) => new Date(t)),
});

/** The result, or that it threw: a remembered rule must fault exactly where the rule does. */
function outcome(run: () => boolean): boolean | "fault" {
  try {
    return run();
  } catch {
    return "fault";
  }
}

describe("remembered rule results", () => {
  test("a compiled rule gives what the rule gives, for every context", () => {
    const compiled = RULES.map((text) => {
      const result = compileRule(text, "eligibility", SCOPE, ENVIRONMENT);
      if (result.rule === undefined) throw new Error(result.problems.join("\n"));
      return { rule: result.rule, reference: ENVIRONMENT.parse(text) };
    });
    fc.assert(
      fc.property(arbContext, (context: RuleContext) => {
        for (const { rule, reference } of compiled) {
          const expected = outcome(() => reference(context) === true);
          assert.equal(
            outcome(() => rule.evaluate(context)),
            expected,
            rule.source,
          );
        }
      }),
      { numRuns },
    );
  });

  test("a rule answered from the profile gives what it gives over the context built from it", () => {
    const subjectNode = node({
      bundle: [
        attribute("claim.status"),
        attribute("claim.amount", { type: "number", optional: true }),
        attribute("claim.opened_at", { type: "timestamp" }),
        attribute("claim.tags", { type: "string_list" }),
        attribute("subject.vip", { type: "boolean" }),
      ],
    });
    const compiled = RULES.map((text) => {
      const result = compileRule(text, "eligibility", SCOPE, ENVIRONMENT);
      if (result.rule === undefined) throw new Error(result.problems.join("\n"));
      return { rule: result.rule, reference: ENVIRONMENT.parse(text) };
    });
    const state = (value: AttributeValue) => ({ value, updatedAt: 0 });
    fc.assert(
      fc.property(arbContext, ({ claim, subject, now }) => {
        const profile = new Map(
          Object.entries({
            "claim.status": state(claim.status),
            "claim.opened_at": state(claim.opened_at.getTime()),
            "claim.tags": state(claim.tags),
            "subject.vip": state(subject.vip),
            ...(claim.amount === undefined ? {} : { "claim.amount": state(claim.amount) }),
          }),
        );
        const at = now.getTime();
        const context = () => ({ ...ruleContext(subjectNode, profile, event(at), at), now });
        for (const { rule, reference } of compiled) {
          const expected = outcome(() => reference(context()) === true);
          const answered = outcome(
            () => rule.evaluateFor?.(profile, context, undefined) ?? rule.evaluate(context()),
          );
          assert.equal(answered, expected, rule.source);
        }
      }),
      { numRuns },
    );
  });

  test("only rules that read bundle attributes alone are remembered", () => {
    const paths = (text: string) => memoReads(ENVIRONMENT.parse(text).ast, new Set(BUNDLE.keys()));
    assert.deepEqual(paths('subject.vip && claim.status == "open"'), [
      "claim.status",
      "subject.vip",
    ]);
    assert.deepEqual(paths('claim["amount"] > 1.0'), ["claim.amount"]);
    assert.equal(paths("now - claim.opened_at > duration('24h')"), undefined);
    assert.equal(paths('claim.tags.exists(t, t == "vip")'), undefined, "a comprehension");
    assert.equal(paths("size(claim) > 0"), undefined, "a whole namespace");
    assert.equal(paths('event.type == "x"'), undefined);
  });

  test("profiles whose values differ never share a key", () => {
    const key = (x: unknown, y: unknown) => {
      const values: [string, unknown][] = [
        ["a.x", x],
        ["a.y", y],
      ];
      const states = values.flatMap(([name, value]) =>
        value === undefined
          ? []
          : [[name, { value: value as AttributeValue, updatedAt: 0 }] as const],
      );
      return profileKey(new Map(states), ["a.x", "a.y"]);
    };
    const keys = [
      key("1", "2"),
      key("12", ""),
      key(1, 2),
      key(12, undefined),
      key(0, 0),
      key(-0, 0),
      key(true, false),
      key(["a,b"], []),
      key(["a", "b"], []),
      key("T", "F"),
    ];
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(key({ nested: 1 }, 0), undefined, "a value of another kind is not keyed");
  });
});
