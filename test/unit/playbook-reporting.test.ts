import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  formatProblem,
  loadDeployment,
  loadDeploymentFromDir,
  PlaybookLoadError,
} from "../../src/playbook/index.ts";
import {
  CATALOG_TEXT,
  notesOf,
  PLAYBOOK,
  POLICY_TEXT,
  problemsOf,
  problemsWith,
  refusal,
} from "./playbook-helpers.ts";

/**
 * An invalid deployment reports every problem it can find at once, each with its file, line,
 * path and what was expected.
 */

const FILE = "playbooks/insurance.yaml";
const NODE = "node claim-status-day-3";
const ELIGIBILITY = 'eligibility: claim.status == "open"';
/** The fixture node with an eligibility rule that does not type-check, on line 9. */
const RULE_BROKEN = PLAYBOOK.replace(ELIGIBILITY, "eligibility: claim.status > 3.0");
const RULE_PROBLEM = `${FILE}:9:18 nodes[0].eligibility: ${NODE}: eligibility does not type-check: no such overload: string > double (at character 1 of the rule)`;

describe("no problem hides another", () => {
  test("a schema problem in the catalog does not hide a rule problem in a playbook", () => {
    const catalog = CATALOG_TEXT.replace("version: 1", "version: 0");
    assert.deepEqual(problemsOf({ catalog, playbooks: [RULE_BROKEN] }), [
      "catalog.yaml:2:10 version: expected a number at least 1",
      RULE_PROBLEM,
    ]);
  });

  describe("a catalog attribute that fails its schema", () => {
    const catalog = CATALOG_TEXT.replace(
      "    retention: 7y\n    freshness: 24h\n  claim.amount:",
      "    retention: 7y\n    freshness: 1 day\n  claim.amount:",
    );
    // It reads claim.next_step, which is missing from what is left of the catalog: a check
    // of that read would report the catalog's problem as the node's.
    const reader = PLAYBOOK.replace("playbook: insurance", "playbook: claims")
      .replace("id: claim-status-day-3", "id: claim-next-step")
      .replace("claim.amount, subject", "claim.amount, claim.next_step, subject")
      .replace(ELIGIBILITY, 'eligibility: claim.next_step == "call"')
      .replace("when: claim.days_open == 3.0", "when: claim.days_open == 3.0 && foo.bar")
      .replace("purpose: service.claim_updates", "purpose: service.nope");
    const texts = { catalog, playbooks: [RULE_BROKEN, reader] };
    const READER = "playbooks/1.yaml";

    test("does not hide the other problems of a node that reads it", () => {
      assert.deepEqual(problemsOf(texts), [
        'catalog.yaml:32:16 attributes["claim.next_step"].freshness: expected a duration such as 30s, 15m, 24h, 7d or 52w',
        RULE_PROBLEM,
        `${READER}:7:39 nodes[0].trigger.when: node claim-next-step: trigger.when does not type-check: Unknown variable: foo (at character 27 of the rule)`,
        `${READER}:10:14 nodes[0].purpose: node claim-next-step: purpose service.nope is not declared in the catalog (declared: service.claim_updates, fraud.detection, marketing.campaigns)`,
      ]);
    });

    test("leaves out only the checks that read it, with a note naming the node and the entry", () => {
      assert.deepEqual(notesOf(texts), [
        `${READER}:8:59 nodes[0].bundle[3]: node claim-next-step: bundle entry was not checked: it names claim.next_step, whose catalog entry has problems above`,
        `${READER}:9:18 nodes[0].eligibility: node claim-next-step: eligibility was not type-checked: it reads claim.next_step, whose catalog entry has problems above`,
      ]);
    });

    test("is counted once, as a problem; notes are listed apart and not counted", () => {
      const lines = refusal(texts).message.split("\n");
      assert.equal(lines[0], "playbooks not loaded, 4 problems:");
      assert.equal(lines[5], "and 2 notes on checks left out until the problems above are fixed:");
      assert.equal(lines.length, 8);
    });

    test("a purpose, event or date that fails its schema is noted, not reported", () => {
      const broken = CATALOG_TEXT.replace(
        "    kind: service\n    description: Updates about a claim",
        "    kind: services\n    description: Updates about a claim",
      ).replace("claim.day_elapsed: { version: 1", "claim.day_elapsed: { version: one");
      const notes = notesOf({ catalog: broken });
      assert.deepEqual(notes, [
        `${FILE}:6:14 nodes[0].trigger.event: ${NODE}: event was not checked: it names claim.day_elapsed, whose catalog entry has problems above`,
        `${FILE}:10:14 nodes[0].purpose: ${NODE}: purpose was not checked: it names service.claim_updates, whose catalog entry has problems above`,
      ]);
    });
  });

  test("a policy that is not YAML does not hide a rule problem in a playbook", () => {
    const policy = POLICY_TEXT.replace(
      "templates: [legacy-blast-v1]",
      "templates: [legacy-blast-v1",
    );
    assert.deepEqual(problemsOf({ policy, playbooks: [RULE_BROKEN] }), [
      "policy.yaml:10:14 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to",
      RULE_PROBLEM,
    ]);
  });

  test("a schema problem in one node does not hide a policy problem in another", () => {
    const second = PLAYBOOK.slice(PLAYBOOK.indexOf("  - id:"))
      .replace("id: claim-status-day-3", "id: claim-status-day-4")
      .replace("basis: contract", "basis: legitimate_interests")
      .replace("channels: [email, sms]", "channels: [email, fax]");
    const text = `${RULE_BROKEN.replace("max: 1", "max: one")}${second}`;
    assert.deepEqual(problemsOf({ playbooks: [text] }), [
      RULE_PROBLEM,
      `${FILE}:16:47 nodes[0].caps[0].max: ${NODE}: expected a number, not a string`,
      `${FILE}:26:23 nodes[1].channels[1]: node claim-status-day-4: expected one of "email", "sms", "push", "in_app", "phone", "crm"`,
    ]);
  });

  test("a schema problem in a node's id or in another rule does not hide a rule's problem", () => {
    const text = RULE_BROKEN.replace("id: claim-status-day-3", "id: Claim_Status").replace(
      "when: claim.days_open == 3.0",
      "when: 3",
    );
    assert.deepEqual(problemsOf({ playbooks: [text] }), [
      `${FILE}:4:9 nodes[0].id: node Claim_Status: expected a name in lower kebab case (claim-status-day-3)`,
      `${FILE}:7:13 nodes[0].trigger.when: node Claim_Status: expected a string, not a number`,
      `${FILE}:9:18 nodes[0].eligibility: node Claim_Status: eligibility does not type-check: no such overload: string > double (at character 1 of the rule)`,
    ]);
  });
});

describe("each problem is reported on the line it is on", () => {
  test("golden: schema problems name the exact line and column of the bad field", () => {
    const catalog = [
      "# A small catalog; the comments shift nothing.", // 1
      "catalog: golden", // 2
      "version: 1", // 3
      "purposes:", // 4
      "  service.x: { kind: service, description: X }", // 5
      "attributes:", // 6
      "  # what was claimed", // 7
      "  claim.amount:", // 8
      "    type: money", // 9
      "    purposes: [service.x]", // 10
      "", // 11
      "    residency: eu", // 12
      "    retention: 1y", // 13
      "    freshness: 24h", // 14
      "    colour: red # not a tag", // 15
      "  claim.status:", // 16
      "    type: string", // 17
      "    purposes: [service.x]", // 18
      "    residency: eu", // 19
      "    retention: 1y", // 20
    ].join("\n");
    assert.deepEqual(problemsOf({ catalog: `${catalog}\n`, playbooks: [] }), [
      'catalog.yaml:9:11 attributes["claim.amount"].type: expected one of "string", "number", "boolean", "timestamp", "string_list"',
      'catalog.yaml:15:5 attributes["claim.amount"].colour: unknown key colour: expected only the documented fields (remove this one), or check its spelling and indentation',
      'catalog.yaml:17:5 attributes["claim.status"].freshness: expected a string (it is missing)',
    ]);
  });

  test("an unclosed quote is reported where it opens, not at the end of the file", () => {
    assert.deepEqual(
      problemsWith("purpose: service.claim_updates", 'purpose: "service.claim_updates'),
      [`${FILE}:10:14 YAML syntax: this " is never closed: end the text with "`],
    );
  });

  test("an unclosed flow map in a list is reported on its own line, not the next", () => {
    assert.deepEqual(problemsWith("max: 1, per: 7d }", "max: 1, per: 7d"), [
      `${FILE}:16:9 YAML syntax: this { is never closed: end the map with }, or indent the lines it goes on to`,
    ]);
  });
});

describe("golden: a YAML syntax error is one problem, at its line, in plain words", () => {
  // name, the file, the text changed, what it becomes, and the problems it makes
  const cases: [string, "catalog" | "playbook", string, string, string[]][] = [
    [
      "an unclosed [ in the catalog, with the lines it swallows",
      "catalog",
      "    purposes: [service.claim_updates]\n    residency: eu\n    retention: 7y\n    freshness: 24h\n  claim.days_open:",
      "    purposes: [service.claim_updates\n    residency: eu\n    retention: 7y\n    freshness: 24h\n  claim.days_open:",
      [
        "catalog.yaml:17:15 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to",
      ],
    ],
    [
      "an unclosed { that ends a node",
      "playbook",
      'quiet_hours: { start: "21:00", end: "08:00" }',
      'quiet_hours: { start: "21:00", end: "08:00"',
      [
        `${FILE}:17:18 YAML syntax: this { is never closed: end the map with }, or indent the lines it goes on to`,
      ],
    ],
    [
      "an unclosed { in a list, followed by more",
      "playbook",
      "      - { kind: message, template: claim-status-v2, value: 4.10, priority: 1 }",
      "      - { kind: message, template: claim-status-v2, value: 4.10, priority: 1",
      [
        `${FILE}:14:9 YAML syntax: this { is never closed: end the map with }, or indent the lines it goes on to`,
      ],
    ],
    [
      "a stray ] ends the document: nothing after it is reported",
      "playbook",
      "    basis: contract",
      "    basis: contract\n]",
      [`${FILE}:12:1 YAML syntax: this ] or } closes nothing: remove it`],
    ],
    [
      "a key written twice",
      "playbook",
      "    basis: contract",
      "    basis: contract\n    basis: consent",
      [`${FILE}:12:5 YAML syntax: this key is written twice in the same map: keep one`],
    ],
    [
      "a second colon on one line",
      "playbook",
      "    basis: contract",
      "    basis: contract: yes",
      [
        `${FILE}:11:12 YAML syntax: a second key: on one line: put the inner map on lines of its own, or quote a value that holds ': '`,
      ],
    ],
    [
      "a missing comma in { }",
      "playbook",
      "max: 1, per: 7d",
      "max: 1 per: 7d",
      [
        `${FILE}:16:47 YAML syntax: items inside [ ] or { } are set off by commas: is a comma missing?`,
      ],
    ],
    [
      "a value starting with @",
      "playbook",
      "    basis: contract",
      "    basis: @contract",
      [`${FILE}:11:12 YAML syntax: a value cannot start with this character: quote the value`],
    ],
    [
      "an unclosed single quote",
      "playbook",
      "    basis: contract",
      "    basis: 'contract",
      [`${FILE}:11:12 YAML syntax: this ' is never closed: end the text with '`],
    ],
  ];

  for (const [name, file, from, to, expected] of cases) {
    test(name, () => {
      const base = file === "catalog" ? CATALOG_TEXT : PLAYBOOK;
      if (!base.includes(from)) throw new Error(`fixture has no ${from}`);
      const texts =
        file === "catalog"
          ? { catalog: base.replace(from, to) }
          : {
              playbooks: [base.replace(from, to)],
            };
      assert.deepEqual(problemsOf(texts), expected);
    });
  }

  test("a catalog that is not YAML leaves the playbooks checked for shape only, and says so", () => {
    const catalog = CATALOG_TEXT.replace("[service.claim_updates]", "[service.claim_updates");
    const refused = refusal({ catalog, playbooks: [RULE_BROKEN] });
    assert.equal(refused.problems.length, 1);
    assert.deepEqual(refused.notes.map(formatProblem), [
      "catalog.yaml: the playbook was checked for shape and rule syntax only: this catalog could not be read, so no node was checked against it",
    ]);
  });

  test("golden: a catalog that is not YAML hides no rule's syntax error", () => {
    const catalog = CATALOG_TEXT.replace("[service.claim_updates]", "[service.claim_updates");
    const broken = PLAYBOOK.replace(
      "when: claim.days_open == 3.0",
      "when: '!onboarding.first_project_done &&'",
    )
      .replace(ELIGIBILITY, "eligibility: claim.status ==")
      .replace(
        '    quiet_hours: { start: "21:00", end: "08:00" }\n',
        '    quiet_hours: { start: "21:00", end: "08:00" }\n    review: { when: "claim.amount >" }\n',
      );
    // A rule that only a catalog could refuse (a type error) waits for the catalog.
    const typeError = RULE_BROKEN.replace("playbook: insurance", "playbook: other").replace(
      "id: claim-status-day-3",
      "id: other-node",
    );
    assert.deepEqual(problemsOf({ catalog, playbooks: [broken, typeError] }), [
      "catalog.yaml:17:15 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to",
      `${FILE}:7:47 nodes[0].trigger.when: ${NODE}: trigger.when is not valid CEL: Unexpected token: EOF (at character 34 of the rule)`,
      `${FILE}:9:33 nodes[0].eligibility: ${NODE}: eligibility is not valid CEL: Unexpected token: EOF (at character 16 of the rule)`,
      `${FILE}:18:36 nodes[0].review.when: ${NODE}: review.when is not valid CEL: Unexpected token: EOF (at character 15 of the rule)`,
    ]);
  });
});

describe("schema problems say what was expected, in the words the API uses", () => {
  // name, the text changed, what it becomes, where the problem is, and its message
  const cases: [string, string, string, string, string][] = [
    [
      "a wrong type",
      "max: 1",
      "max: true",
      "16:47 nodes[0].caps[0].max",
      "expected a number, not true or false",
    ],
    [
      "a value outside the enum",
      "basis: contract",
      "basis: contrct",
      "11:12 nodes[0].basis",
      'expected one of "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests"',
    ],
    [
      "a number below its minimum",
      "value: 4.10",
      "value: -1",
      "14:60 nodes[0].actions[0].value",
      "expected a number at least 0",
    ],
    [
      "an empty string",
      "template: claim-status-v2",
      'template: ""',
      "14:36 nodes[0].actions[0].template",
      "expected a non-empty string",
    ],
    [
      "a missing field",
      "    basis: contract\n",
      "",
      "4:5 nodes[0].basis",
      'expected one of "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests" (it is missing)',
    ],
    [
      "the schema's own words, said once",
      "per: 7d",
      "per: 7 days",
      "16:55 nodes[0].caps[0].per",
      "expected a duration such as 30s, 15m, 24h, 7d or 52w",
    ],
    [
      "a form of a union",
      "      event: claim.day_elapsed\n",
      "      after: { evnt: claim.opened }\n",
      "6:14 nodes[0].trigger.after",
      "expected { event, delay } after an event, or { attribute, offset } after a date",
    ],
  ];
  for (const [name, from, to, at, message] of cases) {
    test(`${name}: ${message}`, () => {
      assert.deepEqual(problemsWith(from, to), [`${FILE}:${at}: ${NODE}: ${message}`]);
    });
  }

  test("no message keeps zod's wording or says expected twice", () => {
    const texts = cases.map(([, from, to]) => PLAYBOOK.replace(from, to));
    for (const line of texts.flatMap((text) => problemsOf({ playbooks: [text] }))) {
      assert.doesNotMatch(
        line,
        /Invalid (input|option)|Too (small|big)|received|expected .*expected/,
      );
    }
  });
});

describe("a deployment folder or file that is not there", () => {
  const problemsOfDir = (dir: string) => problemsThrownBy(() => loadDeploymentFromDir(dir));

  test("a missing folder is named as given and said not to exist", () => {
    const dir = join(tmpdir(), "assent-no-such-folder", "deployment");
    assert.deepEqual(problemsOfDir(dir), [
      `${dir}: does not exist; expected a folder that holds catalog.yaml, policy.yaml and playbooks/`,
    ]);
  });

  test("a file given as the folder is named as such", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-dir-"));
    const file = join(dir, "catalog.yaml");
    writeFileSync(file, CATALOG_TEXT);
    assert.deepEqual(problemsOfDir(file), [
      `${file}: is a file, not a folder; expected a folder that holds catalog.yaml, policy.yaml and playbooks/`,
    ]);
  });

  test("every missing part of a folder is named at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-dir-"));
    writeFileSync(join(dir, "policy.yaml"), POLICY_TEXT);
    mkdirSync(join(dir, "catalog.yaml"));
    assert.deepEqual(problemsOfDir(dir), [
      `${join(dir, "catalog.yaml")}: is a folder, not a file`,
      `${join(dir, "playbooks")}: does not exist`,
    ]);
  });

  test("a missing file given by name is named as given", () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-dir-"));
    const files = {
      catalogFile: join(dir, "catalog.yaml"),
      policyFile: join(dir, "policy.yaml"),
      playbookFiles: [join(dir, "saas.yaml")],
    };
    writeFileSync(files.catalogFile, CATALOG_TEXT);
    assert.deepEqual(
      problemsThrownBy(() => loadDeployment(files)),
      [`${files.policyFile}: does not exist`, `${join(dir, "saas.yaml")}: does not exist`],
    );
  });
});

function problemsThrownBy(load: () => unknown): string[] {
  try {
    load();
  } catch (error: unknown) {
    if (error instanceof PlaybookLoadError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error("expected the deployment to be refused, but it loaded");
}
