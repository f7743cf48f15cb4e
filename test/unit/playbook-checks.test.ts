import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { problemsWith } from "./playbook-helpers.ts";

const FILE = "playbooks/insurance.yaml";
const NODE = "node claim-status-day-3";
const ELIGIBILITY = 'eligibility: claim.status == "open"';
const BUNDLE_END = "subject.timezone?]";
const BEFORE_QUIET = "    quiet_hours:";

/** Adds a line to the node, just before its quiet hours (line 17). */
function withLine(line: string): [string, string] {
  return [BEFORE_QUIET, `    ${line}\n${BEFORE_QUIET}`];
}

describe("rules are CEL type-checked against the node's context bundle", () => {
  test("reading an attribute outside the bundle names the node, the attribute and the fix", () => {
    assert.deepEqual(problemsWith(ELIGIBILITY, 'eligibility: claim.next_step == "call"'), [
      `${FILE}:9:18 nodes[0].eligibility: ${NODE} reads claim.next_step, which is not in its context bundle: add claim.next_step to bundle or stop reading it`,
    ]);
  });

  test("review.when is held to the bundle too", () => {
    const [from, to] = withLine('review: { when: claim.next_step == "call" }');
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:21 nodes[0].review.when: ${NODE} reads claim.next_step, which is not in its context bundle: add claim.next_step to bundle or stop reading it`,
    ]);
  });

  test("reading an attribute the catalog does not declare is refused", () => {
    assert.deepEqual(problemsWith(ELIGIBILITY, 'eligibility: claim.colour == "red"'), [
      `${FILE}:9:18 nodes[0].eligibility: ${NODE} reads claim.colour, which is not in the catalog: declare it in the catalog and add it to bundle, or stop reading it`,
    ]);
  });

  test("a rule that does not return bool is refused", () => {
    assert.deepEqual(problemsWith(ELIGIBILITY, "eligibility: claim.amount"), [
      `${FILE}:9:18 nodes[0].eligibility: ${NODE}: eligibility must return bool, not double`,
    ]);
  });

  test("a rule that compares values of different types is refused", () => {
    assert.deepEqual(problemsWith("when: claim.days_open == 3.0", "when: claim.status > 3"), [
      `${FILE}:7:13 nodes[0].trigger.when: ${NODE}: trigger.when does not type-check: no such overload: string > int (at character 1 of the rule)`,
    ]);
  });

  test("a rule with a syntax error is refused", () => {
    assert.deepEqual(problemsWith(ELIGIBILITY, "eligibility: claim.status =="), [
      `${FILE}:9:33 nodes[0].eligibility: ${NODE}: eligibility is not valid CEL: Unexpected token: EOF (at character 16 of the rule)`,
    ]);
  });

  describe("a CEL error is placed at its character where the rule is written on one line", () => {
    // the text written, and where the problem is: the opening quote shifts the column by one
    const EOF_AT_16 =
      "eligibility is not valid CEL: Unexpected token: EOF (at character 16 of the rule)";
    const cases: [string, string, string][] = [
      ["plain", "eligibility: claim.status ==", `9:33 nodes[0].eligibility: ${NODE}: ${EOF_AT_16}`],
      [
        "double-quoted",
        'eligibility: "claim.status =="',
        `9:34 nodes[0].eligibility: ${NODE}: ${EOF_AT_16}`,
      ],
      [
        "single-quoted",
        "eligibility: 'claim.status =='",
        `9:34 nodes[0].eligibility: ${NODE}: ${EOF_AT_16}`,
      ],
      [
        "a type error inside a quoted rule",
        'eligibility: "claim.amount > 1.0 && claim.status > 3.0"',
        `9:41 nodes[0].eligibility: ${NODE}: eligibility does not type-check: no such overload: string > double (at character 23 of the rule)`,
      ],
    ];
    for (const [name, to, expected] of cases) {
      test(name, () => {
        assert.deepEqual(problemsWith(ELIGIBILITY, to), [`${FILE}:${expected}`]);
      });
    }

    // Where the text is not the rule as it reads, the start is kept and the message says where.
    const kept: [string, string, string][] = [
      [
        "an escape in a double-quoted rule",
        'eligibility: "claim.status == \\"open\\" &&"',
        "eligibility is not valid CEL: Unexpected token: EOF (at character 26 of the rule)",
      ],
      [
        "a block scalar",
        "eligibility: |\n      claim.status ==",
        "eligibility is not valid CEL: Unexpected token: EOF (at character 17 of the rule)",
      ],
      [
        "a plain rule folded over two lines",
        "eligibility: claim.status\n      ==",
        "eligibility is not valid CEL: Unexpected token: EOF (at character 16 of the rule)",
      ],
    ];
    for (const [name, to, message] of kept) {
      test(`${name}: at the start of the rule`, () => {
        assert.deepEqual(problemsWith(ELIGIBILITY, to), [
          `${FILE}:9:18 nodes[0].eligibility: ${NODE}: ${message}`,
        ]);
      });
    }
  });
});

describe("bundle attributes", () => {
  test("an attribute not in the catalog is refused", () => {
    assert.deepEqual(problemsWith(BUNDLE_END, "subject.timezone?, claim.colour]"), [
      `${FILE}:8:78 nodes[0].bundle[4]: ${NODE}: bundle attribute claim.colour is not in the catalog`,
    ]);
  });

  test("an attribute whose purposes do not include the node's purpose is refused", () => {
    assert.deepEqual(problemsWith(BUNDLE_END, "subject.timezone?, claim.fraud_score]"), [
      `${FILE}:8:78 nodes[0].bundle[4]: ${NODE}: claim.fraud_score may not be used for service.claim_updates (its purposes: fraud.detection)`,
    ]);
  });

  test("an attribute listed twice is refused", () => {
    assert.deepEqual(problemsWith(BUNDLE_END, "subject.timezone?, claim.status]"), [
      `${FILE}:8:78 nodes[0].bundle[4]: ${NODE}: bundle lists claim.status twice; list it once`,
    ]);
  });

  test("an attribute residing outside the deciding region is refused", () => {
    assert.deepEqual(problemsWith(BUNDLE_END, "subject.timezone?, subject.credit_score]"), [
      `${FILE}:8:78 nodes[0].bundle[4]: ${NODE}: subject.credit_score resides in us and may not be processed in eu`,
    ]);
  });
});

describe("purpose and lawful basis", () => {
  test("basis consent without a purpose is refused as unenforceable", () => {
    const from = "    purpose: service.claim_updates\n    basis: contract";
    assert.deepEqual(problemsWith(from, "    basis: consent"), [
      `${FILE}:4:5 nodes[0].purpose: ${NODE}: basis consent needs a purpose the consent ledger records consent for; add purpose: one of service.claim_updates, fraud.detection, marketing.campaigns`,
    ]);
  });

  test("a node without a purpose is refused", () => {
    assert.deepEqual(problemsWith("    purpose: service.claim_updates\n", ""), [
      `${FILE}:4:5 nodes[0].purpose: ${NODE}: a node needs a purpose; add purpose: one of service.claim_updates, fraud.detection, marketing.campaigns`,
    ]);
  });

  test("a purpose not declared in the catalog is refused", () => {
    const problems = problemsWith("purpose: service.claim_updates", "purpose: service.billing");
    assert.deepEqual(problems, [
      `${FILE}:10:14 nodes[0].purpose: ${NODE}: purpose service.billing is not declared in the catalog (declared: service.claim_updates, fraud.detection, marketing.campaigns)`,
    ]);
  });

  test("a marketing purpose on basis contract is refused", () => {
    const problems = problemsWith("purpose: service.claim_updates", "purpose: marketing.campaigns");
    const refusal = (index: number, name: string, column: number) =>
      `${FILE}:8:${column} nodes[0].bundle[${index}]: ${NODE}: ${name} may not be used for marketing.campaigns (its purposes: service.claim_updates${name === "claim.amount" ? ", fraud.detection" : ""})`;
    assert.deepEqual(problems, [
      refusal(0, "claim.status", 14),
      refusal(1, "claim.days_open", 28),
      refusal(2, "claim.amount", 45),
      `${FILE}:11:12 nodes[0].basis: ${NODE}: purpose marketing.campaigns is marketing, which basis contract cannot cover; use consent or legitimate_interests`,
    ]);
  });
});

describe("allow lists, caps and windows are enforceable", () => {
  test("a cap of 0 is refused", () => {
    assert.deepEqual(problemsWith("max: 1", "max: 0"), [
      `${FILE}:16:47 nodes[0].caps[0].max: ${NODE}: a cap of 0 can never be met; remove the cap or give a maximum of at least 1`,
    ]);
  });

  test("a window of 0 is refused", () => {
    assert.deepEqual(problemsWith("per: 7d", "per: 0d"), [
      `${FILE}:16:55 nodes[0].caps[0].per: ${NODE}: a window of 0 counts nothing; give a window such as 24h or 7d`,
    ]);
  });

  test("a window too long to compute is refused", () => {
    assert.deepEqual(problemsWith("per: 7d", "per: 99999999999999999999w"), [
      `${FILE}:16:55 nodes[0].caps[0].per: ${NODE}: expected at most 10 years (3650d)`,
    ]);
  });

  test("an empty channel list is refused", () => {
    assert.deepEqual(problemsWith("channels: [email, sms]", "channels: []"), [
      `${FILE}:12:15 nodes[0].channels: ${NODE}: an empty allow list permits nothing; list at least one channel or remove the node`,
    ]);
  });

  test("an empty action list is refused", () => {
    const from =
      "    actions:\n      - { kind: message, template: claim-status-v2, value: 4.10, priority: 1 }";
    assert.deepEqual(problemsWith(from, "    actions: []"), [
      `${FILE}:13:14 nodes[0].actions: ${NODE}: an empty allow list permits nothing; list at least one action or remove the node`,
    ]);
  });

  test("an empty channel list on an action is refused", () => {
    assert.deepEqual(problemsWith("priority: 1 }", "priority: 1, channels: [] }"), [
      `${FILE}:14:89 nodes[0].actions[0].channels: ${NODE}: an empty allow list permits nothing; list at least one channel, or leave channels out for the node's`,
    ]);
  });

  test("an action channel that is not a node channel is refused", () => {
    assert.deepEqual(problemsWith("priority: 1 }", "priority: 1, channels: [push] }"), [
      `${FILE}:14:90 nodes[0].actions[0].channels[0]: ${NODE}: action channel push is not among the node's channels (email, sms); add it to channels or remove it from the action`,
    ]);
  });

  test("two caps with one id are refused", () => {
    const cap = "{ id: claim-weekly, scope: node, max: 1, per: 7d }";
    const twice = `${cap}\n      - { id: claim-weekly, max: 2, per: 1d }`;
    assert.deepEqual(problemsWith(cap, twice), [
      `${FILE}:17:15 nodes[0].caps[1].id: ${NODE}: cap id claim-weekly is used twice; give each cap its own id`,
    ]);
  });

  test("a node cap reusing a policy cap id is refused", () => {
    assert.deepEqual(problemsWith("id: claim-weekly", "id: fatigue"), [
      `${FILE}:16:15 nodes[0].caps[0].id: ${NODE}: cap id fatigue is already a policy cap; give this cap its own id`,
    ]);
  });

  test("a channel cap without a channel is refused", () => {
    assert.deepEqual(problemsWith("scope: node, max: 1", "scope: channel, max: 1"), [
      `${FILE}:16:9 nodes[0].caps[0]: ${NODE}: a channel cap needs a channel: add channel: email`,
    ]);
  });

  test("exempt_from naming an unknown cap is refused", () => {
    const [from, to] = withLine("exempt_from: [fatigue, claim-weekly, nightly]");
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:42 nodes[0].exempt_from[2]: ${NODE}: exempt_from names cap nightly, which is neither a policy cap nor a cap of this node`,
    ]);
  });
});

describe("quiet hours", () => {
  test("a time that is not HH:MM is refused", () => {
    assert.deepEqual(problemsWith('"08:00"', '"8:00"'), [
      `${FILE}:17:41 nodes[0].quiet_hours.end: ${NODE}: expected a wall-clock time HH:MM, 00:00 to 23:59`,
    ]);
  });

  test("quiet hours that start when they end are refused", () => {
    assert.deepEqual(problemsWith('"08:00"', '"21:00"'), [
      `${FILE}:17:18 nodes[0].quiet_hours: ${NODE}: quiet hours from 21:00 to 21:00 have no length; give a different start and end, or remove quiet_hours`,
    ]);
  });
});

describe("experiments", () => {
  test("arm weights that add up to 0 are refused", () => {
    const [from, to] = withLine("experiment: { salt: s, arms: { treatment: 0, holdout: 0 } }");
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:34 nodes[0].experiment.arms: ${NODE}: arm weights add up to 0, so no subject can be assigned; give an arm a weight above 0`,
    ]);
  });

  test("a control arm that is not among the arms is refused", () => {
    const [from, to] = withLine("experiment: { salt: s, arms: { treatment: 1, variant: 1 } }");
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:17 nodes[0].experiment.control: ${NODE}: control arm holdout is not among the arms (treatment, variant); name one of them in control`,
    ]);
  });

  test("traffic outside (0, 1] is refused", () => {
    const [from, to] = withLine(
      "experiment: { salt: s, arms: { treatment: 1, holdout: 1 }, traffic: 0 }",
    );
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:73 nodes[0].experiment.traffic: ${NODE}: expected a share more than 0 and at most 1`,
    ]);
  });
});

describe("models", () => {
  test("a coefficient on an attribute outside the bundle is refused", () => {
    const [from, to] = withLine(
      'model: { id: m, version: "1", kind: propensity, treated: { intercept: 0, coefficients: { claim.next_step=call: 1 } } }',
    );
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:94 nodes[0].model.treated.coefficients["claim.next_step=call"]: ${NODE}: model coefficient claim.next_step=call reads claim.next_step, which is not in the node's context bundle: add claim.next_step to bundle or remove the coefficient`,
    ]);
  });

  test("a coefficient on a string attribute must name a category", () => {
    const [from, to] = withLine(
      'model: { id: m, version: "1", kind: propensity, treated: { intercept: 0, coefficients: { claim.status: 1 } } }',
    );
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:94 nodes[0].model.treated.coefficients["claim.status"]: ${NODE}: claim.status is a string; name the coefficient claim.status=<value> (one-hot)`,
    ]);
  });

  test("an uplift model without a control model is refused", () => {
    const [from, to] = withLine(
      'model: { id: m, version: "1", kind: uplift, treated: { intercept: 0 } }',
    );
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:12 nodes[0].model.control: ${NODE}: an uplift model needs a control model; add control or use kind: propensity`,
    ]);
  });

  test("a model cut-off that lets every subject or none through is refused", () => {
    const [from, to] = withLine(
      'model: { id: m, version: "1", kind: uplift, treated: { intercept: 0 }, control: { intercept: 0 }, min_score: -1 }',
    );
    assert.deepEqual(problemsWith(from, to), [
      `${FILE}:17:114 nodes[0].model.min_score: ${NODE}: min_score -1 on this uplift model lets every subject through; expected a score strictly between -1 and 1, or no min_score`,
    ]);
    const [pFrom, pTo] = withLine(
      'model: { id: m, version: "1", kind: propensity, treated: { intercept: 0 }, min_score: 1 }',
    );
    assert.deepEqual(problemsWith(pFrom, pTo), [
      `${FILE}:17:91 nodes[0].model.min_score: ${NODE}: min_score 1 on this propensity model lets no subject through; expected a score strictly between 0 and 1, or no min_score`,
    ]);
  });
});
