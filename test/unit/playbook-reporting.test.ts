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
  PLAYBOOK,
  POLICY_TEXT,
  problemsOf,
  problemsWith,
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

  test("a catalog attribute that fails its schema leaves unchecked only the nodes naming it", () => {
    const catalog = CATALOG_TEXT.replace(
      "    retention: 7y\n    freshness: 24h\n  claim.amount:",
      "    retention: 7y\n    freshness: 1 day\n  claim.amount:",
    );
    // It reads claim.next_step, so it would be reported "not in the catalog"; it is not.
    const reader = PLAYBOOK.replace("playbook: insurance", "playbook: claims")
      .replace("id: claim-status-day-3", "id: claim-next-step")
      .replace("claim.amount, subject", "claim.amount, claim.next_step, subject");
    assert.deepEqual(problemsOf({ catalog, playbooks: [RULE_BROKEN, reader] }), [
      'catalog.yaml:32:16 attributes["claim.next_step"].freshness: expected a duration such as 30s, 15m, 24h, 7d or 52w',
      RULE_PROBLEM,
    ]);
  });

  test("a policy that is not YAML does not hide a rule problem in a playbook", () => {
    const policy = POLICY_TEXT.replace(
      "templates: [legacy-blast-v1]",
      "templates: [legacy-blast-v1",
    );
    assert.deepEqual(problemsOf({ policy, playbooks: [RULE_BROKEN] }), [
      "policy.yaml:10:14 (document): Flow sequence in block collection must be sufficiently indented and end with a ]",
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
      [`${FILE}:10:14 (document): Missing closing "quote`],
    );
  });

  test("an unclosed flow map in a list is reported on its own line, not the next", () => {
    assert.deepEqual(problemsWith("max: 1, per: 7d }", "max: 1, per: 7d"), [
      `${FILE}:16:9 (document): Flow map in block collection must be sufficiently indented and end with a }`,
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
