import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  loadDeploymentFromDir,
  PlaybookLoadError,
  parseClock,
  parseDuration,
} from "../../src/playbook/index.ts";
import { loadDeploymentFromSources } from "../../src/playbook/loader.ts";
import {
  CATALOG_TEXT,
  FIXTURES,
  PLAYBOOK,
  POLICY_TEXT,
  problemsOf,
  problemsWith,
  sources,
} from "./playbook-helpers.ts";

const NODE = "node claim-status-day-3";

describe("a valid deployment loads", () => {
  const deployment = loadDeploymentFromDir(FIXTURES);
  const [insurance] = deployment.playbooks;
  const node = insurance?.nodes[0];

  test("catalog, policy and playbooks are all there, typed", () => {
    assert.equal(deployment.catalog.name, "test-catalog");
    assert.equal(deployment.catalog.purposes.get("marketing.campaigns")?.kind, "marketing");
    assert.deepEqual(deployment.catalog.purposes.get("marketing.campaigns")?.marks, [
      "targeted_advertising",
    ]);
    assert.equal(
      deployment.catalog.attributes.get("claim.amount")?.retentionMs,
      7 * 31_536_000_000,
    );
    assert.equal(deployment.policy.region, "eu");
    assert.equal(deployment.policy.defaultTimezone, "Europe/Amsterdam");
    assert.deepEqual(deployment.policy.deny.templates, ["legacy-blast-v1"]);
    assert.equal(insurance?.name, "insurance");
    assert.equal(insurance?.version, 3);
    assert.deepEqual(
      insurance?.nodes.map((each) => each.id),
      ["claim-status-day-3", "claim-closed-thanks"],
    );
  });

  test("bundle attributes carry their catalog tags and optional marks", () => {
    assert.deepEqual(node?.bundle.at(-1), {
      name: "subject.timezone",
      type: "string",
      optional: true,
      freshnessMs: 52 * 604_800_000,
      residency: "global",
      sensitivity: "location",
    });
    assert.equal(node?.bundle[0]?.optional, false);
  });

  test("rules are compiled once and record the attributes they read", () => {
    assert.deepEqual(node?.trigger.when?.attributes, ["claim.days_open", "claim.status"]);
    assert.deepEqual(node?.eligibility?.attributes, ["claim.status"]);
    assert.deepEqual(node?.review?.when?.attributes, ["claim.amount"]);
  });

  test("caps default to scope node and counting marketing; durations are milliseconds", () => {
    assert.deepEqual(node?.caps, [
      { id: "claim-weekly", scope: "node", max: 1, periodMs: 604_800_000, counts: "marketing" },
      {
        id: "claim-status-day-3/cap-2",
        scope: "channel",
        channel: "sms",
        periodMs: 86_400_000,
        counts: "all",
      },
    ]);
    assert.deepEqual(deployment.policy.caps[1], {
      id: "fatigue",
      scope: "global",
      max: 6,
      periodMs: 604_800_000,
      counts: "marketing",
    });
    assert.deepEqual(node?.exemptFrom, ["fatigue"]);
  });

  test("actions default to the node's channels", () => {
    assert.deepEqual(
      node?.actions.map((action) => action.channels),
      [["email", "sms"], ["sms"]],
    );
    const thanks = insurance?.nodes[1]?.actions[0];
    assert.deepEqual(thanks, {
      kind: "message",
      template: "claim-closed-v1",
      channels: ["email"],
      value: 0,
      priority: 0,
    });
  });

  test("quiet hours are minutes after midnight, deferring by default", () => {
    assert.deepEqual(node?.quietHours, { startMinute: 21 * 60, endMinute: 8 * 60, mode: "defer" });
  });

  test("review, model and experiment are compiled, arms in the order written", () => {
    assert.equal(node?.review?.valueAbove, 1000);
    assert.equal(node?.review?.confidenceBelow, 0.6);
    assert.deepEqual(node?.review?.sensitive, ["health"]);
    assert.equal(node?.review?.slaMs, 48 * 3_600_000);
    assert.equal(node?.model?.kind, "uplift");
    assert.deepEqual(node?.model?.treated.coefficients, {
      "claim.amount": 0.0001,
      "subject.segment=gold": 0.3,
    });
    assert.deepEqual(node?.experiment, {
      salt: "claim-status-2026q1",
      arms: [
        { name: "treatment", weight: 90 },
        { name: "holdout", weight: 10 },
      ],
      control: "holdout",
      traffic: 0.5,
    });
  });

  test("KPI, outcomes, costs, payback and guardrails are kept beside the node", () => {
    assert.deepEqual(insurance?.meta.get("claim-status-day-3"), {
      description: "Tell the customer where their claim stands before they call us",
      kpi: "inbound claim-status calls per open claim",
      outcomes: [{ metric: "calls_avoided", unitValue: 4.1 }],
      costs: { perMessage: 0.004, perTask: 0, perInference: 0, monthlyFixed: 120, oneOff: 0 },
      paybackMonths: 3,
      experimentOutcome: {
        event: "call.inbound",
        withinMs: 604_800_000,
        metric: "calls",
        better: "lower",
      },
      guardrails: [{ metric: "complaints", stopLoss: { kind: "points", change: 0.005 } }],
    });
  });
});

describe("durations and clock times", () => {
  test("durations parse to milliseconds in every unit, retention also in years", () => {
    assert.deepEqual(["30s", "15m", "24h", "7d", "52w", "7y"].map(parseDuration), [
      30_000,
      900_000,
      86_400_000,
      604_800_000,
      52 * 604_800_000,
      7 * 31_536_000_000,
    ]);
    assert.equal(parseDuration("7 days"), undefined);
  });

  test("clock times parse to minutes after midnight", () => {
    assert.deepEqual(["00:00", "08:30", "23:59", "24:00"].map(parseClock), [
      0,
      510,
      1439,
      undefined,
    ]);
  });
});

describe("an invalid file reports every problem at once", () => {
  test("three independent problems in one node are all reported, each at its line", () => {
    const text = PLAYBOOK.replace(
      'eligibility: claim.status == "open"',
      'eligibility: claim.next_step == "call"',
    )
      .replace("max: 1", "max: 0")
      .replace("subject.timezone?]", "subject.timezone?, subject.credit_score]");
    assert.deepEqual(problemsOf({ playbooks: [text] }), [
      `playbooks/insurance.yaml:8:78 nodes[0].bundle[4]: ${NODE}: subject.credit_score resides in us and may not be processed in eu`,
      `playbooks/insurance.yaml:9:18 nodes[0].eligibility: ${NODE} reads claim.next_step, which is not in its context bundle: add claim.next_step to bundle or stop reading it`,
      `playbooks/insurance.yaml:16:47 nodes[0].caps[0].max: ${NODE}: a cap of 0 can never be met; remove the cap or give a maximum of at least 1`,
    ]);
  });

  test("problems in catalog, policy and playbook are reported together, in file order", () => {
    const catalog = CATALOG_TEXT.replace("version: 1", "version: 0");
    const policy = "policy: default\nregion: mars\ndefault_timezone: Europe/Amsterdam\n";
    const playbook = PLAYBOOK.replace("version: 3", "version: three");
    assert.deepEqual(problemsOf({ catalog, policy, playbooks: [playbook] }), [
      "catalog.yaml:2:10 version: expected a number at least 1",
      'policy.yaml:2:9 region: expected one of "eu", "us", "uk"',
      "playbooks/insurance.yaml:2:10 version: expected a number, not a string",
    ]);
  });

  test("a YAML syntax error is reported at the unclosed bracket, on its own line", () => {
    const broken = PLAYBOOK.replace("channels: [email, sms]", "channels: [email, sms");
    assert.deepEqual(problemsOf({ playbooks: [broken] }), [
      "playbooks/insurance.yaml:12:15 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to",
    ]);
  });

  test("an empty file is refused", () => {
    assert.deepEqual(problemsOf({ playbooks: [""] }), [
      "playbooks/insurance.yaml:1:1 expected an object, not null",
    ]);
  });

  test("an unknown key is reported at the key itself", () => {
    assert.deepEqual(problemsWith("    quiet_hours:", "    quiet_hour:"), [
      `playbooks/insurance.yaml:17:5 nodes[0].quiet_hour: ${NODE}: unknown key quiet_hour: expected only the documented fields (remove this one), or check its spelling and indentation`,
    ]);
  });

  test("a missing field says what was expected", () => {
    assert.deepEqual(problemsWith("    basis: contract\n", ""), [
      `playbooks/insurance.yaml:4:5 nodes[0].basis: ${NODE}: expected one of "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests" (it is missing)`,
    ]);
  });

  test("the error message lists every problem, one line each", () => {
    const text = PLAYBOOK.replace("max: 1", "max: 0").replace("per: 7d", "per: 0d");
    try {
      loadDeploymentFromSources(sources({ playbooks: [text] }));
      assert.fail("expected the playbook to be refused");
    } catch (error: unknown) {
      assert.ok(error instanceof PlaybookLoadError);
      assert.equal(error.problems.length, 2);
      assert.equal(error.problems[0]?.nodeId, "claim-status-day-3");
      assert.deepEqual(error.message.split("\n").slice(0, 2), [
        "playbooks not loaded, 2 problems:",
        `playbooks/insurance.yaml:16:47 nodes[0].caps[0].max: ${NODE}: a cap of 0 can never be met; remove the cap or give a maximum of at least 1`,
      ]);
    }
  });
});

describe("names are unique across the deployment", () => {
  test("a node id defined twice is refused, naming the first definition", () => {
    const second = PLAYBOOK.replace("playbook: insurance", "playbook: claims");
    assert.deepEqual(problemsOf({ playbooks: [PLAYBOOK, second] }), [
      "playbooks/1.yaml:4:9 nodes[0].id: node claim-status-day-3 is defined twice (first at playbooks/insurance.yaml:4); give each node its own id",
    ]);
  });

  test("a playbook name used by two files is refused", () => {
    const second = PLAYBOOK.replace("id: claim-status-day-3", "id: claim-status-day-4");
    assert.deepEqual(problemsOf({ playbooks: [PLAYBOOK, second] }), [
      "playbooks/1.yaml:1:11 playbook: playbook insurance is defined twice (first at playbooks/insurance.yaml:1); give each playbook its own name",
    ]);
  });
});

describe("policy checks", () => {
  const policy = (line: string) =>
    `policy: default\nregion: eu\ndefault_timezone: Europe/Amsterdam\ncaps:\n  - ${line}\n`;

  test("an unknown IANA time zone is refused", () => {
    const text = "policy: default\nregion: eu\ndefault_timezone: Europe/Amsterdm\n";
    assert.deepEqual(problemsOf({ policy: text }), [
      "policy.yaml:3:19 default_timezone: Europe/Amsterdm is not an IANA time zone; write one such as Europe/Amsterdam",
    ]);
  });

  test("a policy cap of 0 is refused", () => {
    assert.deepEqual(
      problemsOf({ policy: policy("{ id: fatigue, scope: global, max: 0, per: 7d }") }),
      [
        "policy.yaml:5:40 caps[0].max: a cap of 0 can never be met; remove the cap or give a maximum of at least 1",
      ],
    );
  });

  test("a policy cap without a maximum is valid and means no maximum", () => {
    const text = `${policy("{ id: fatigue, scope: global, per: 7d }")}  - { id: claim-weekly, scope: global, per: 1d }\n`;
    const problems = problemsOf({ policy: text });
    assert.deepEqual(problems, [
      `playbooks/insurance.yaml:16:15 nodes[0].caps[0].id: ${NODE}: cap id claim-weekly is already a policy cap; give this cap its own id`,
    ]);
  });

  test("empty deny lists deny nothing and are valid", () => {
    const text =
      "policy: p\nregion: eu\ndefault_timezone: UTC\ndeny: { actions: [], channels: [], templates: [] }\n";
    assert.doesNotThrow(() => loadDeploymentFromSources(sources({ policy: text })));
  });
});

describe("catalog checks", () => {
  const catalog = (attribute: string) =>
    `catalog: c\nversion: 1\npurposes:\n  service.x: { kind: service, description: X }\nattributes:\n  ${attribute}\n`;

  test("an attribute naming an undeclared purpose is refused", () => {
    const text = catalog(
      "claim.amount: { type: number, purposes: [fraud.detection], residency: eu, retention: 1y, freshness: 1d }",
    );
    assert.deepEqual(problemsOf({ catalog: text, playbooks: [] }), [
      'catalog.yaml:6:44 attributes["claim.amount"].purposes[0]: claim.amount names purpose fraud.detection, which is not declared in purposes',
    ]);
  });

  test("an attribute in the namespace of a rule variable is refused", () => {
    const text = catalog(
      "event.kind: { type: string, purposes: [service.x], residency: eu, retention: 1y, freshness: 1d }",
    );
    assert.deepEqual(problemsOf({ catalog: text, playbooks: [] }), [
      'catalog.yaml:6:3 attributes["event.kind"]: namespace event is reserved for rules (event, now); rename the attribute',
    ]);
  });

  test("a freshness of 0 is refused", () => {
    const text = catalog(
      "claim.amount: { type: number, purposes: [service.x], residency: eu, retention: 1y, freshness: 0h }",
    );
    assert.deepEqual(problemsOf({ catalog: text, playbooks: [] }), [
      'catalog.yaml:6:97 attributes["claim.amount"].freshness: a freshness of 0 makes every value stale; give the age after which a decision abstains',
    ]);
  });
});

describe("a broken policy or catalog does not hide the playbooks' problems", () => {
  test("an unknown key in a policy cap and a rule outside the bundle are both reported", () => {
    const policy = POLICY_TEXT.replace("max: 6, per: 7d }", "max: 6, per: 7d, colour: red }");
    const playbook = PLAYBOOK.replace(
      'eligibility: claim.status == "open"',
      'eligibility: claim.next_step == "call"',
    );
    const problems = problemsOf({ policy, playbooks: [playbook] });
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0] ?? "", /^policy\.yaml:6:52 caps\[1\]\.colour: unknown key colour/);
    assert.match(problems[1] ?? "", /^playbooks\/insurance\.yaml:9:18 .*reads claim\.next_step/);
  });
});
