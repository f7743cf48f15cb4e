import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CATALOG_TEXT, PLAYBOOK, POLICY_TEXT } from "./playbook-helpers.ts";

/** `assent playbook check DIR` as a user runs it: every problem at once, or ok per file. */

function check(dir: string) {
  return spawnSync(process.execPath, ["bin/assent.js", "playbook", "check", dir], {
    encoding: "utf8",
  });
}

/** A deployment folder with these texts; playbooks are named by their keys. */
function deploymentDir(catalog: string, playbooks: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "assent-check-"));
  writeFileSync(join(dir, "catalog.yaml"), catalog);
  writeFileSync(join(dir, "policy.yaml"), POLICY_TEXT);
  mkdirSync(join(dir, "playbooks"));
  for (const [name, text] of Object.entries(playbooks)) {
    writeFileSync(join(dir, "playbooks", name), text);
  }
  return dir;
}

describe("assent playbook check", () => {
  test("a valid folder is ok, file by file", () => {
    const run = check("test/fixtures/playbook");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      "ok: catalog test-catalog v1 (11 attributes, 3 purposes, 3 event types), region eu\n" +
        "ok: test/fixtures/playbook/playbooks/insurance.yaml: insurance v3, 2 nodes\n",
    );
  });

  test("a folder that does not exist is named as given and said not to exist", () => {
    const dir = join(tmpdir(), "assent-check-missing", "deployment");
    const run = check(dir);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "playbooks not loaded, 1 problem:\n" +
        `${dir}: does not exist; expected a folder that holds catalog.yaml, policy.yaml and playbooks/\n`,
    );
  });

  test("schema, rule and syntax problems of every file are reported together", () => {
    const catalog = CATALOG_TEXT.replace("version: 1", "version: 0");
    const rule = PLAYBOOK.replace(
      'eligibility: claim.status == "open"',
      "eligibility: claim.status > 3.0",
    );
    const syntax = PLAYBOOK.replace("playbook: insurance", "playbook: other").replace(
      "channels: [email, sms]",
      "channels: [email, sms",
    );
    const dir = deploymentDir(catalog, { "a.yaml": rule, "b.yaml": syntax });

    const run = check(dir);
    assert.equal(run.status, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n"), [
      "playbooks not loaded, 3 problems:",
      `${dir}/catalog.yaml:2:10 version: expected a number at least 1`,
      `${dir}/playbooks/a.yaml:9:18 nodes[0].eligibility: node claim-status-day-3: eligibility does not type-check: no such overload: string > double (at character 1 of the rule)`,
      `${dir}/playbooks/b.yaml:12:15 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to`,
    ]);
  });
  test("a catalog that is not YAML still leaves every rule's syntax checked, at its character", () => {
    const catalog = CATALOG_TEXT.replace("[service.claim_updates]", "[service.claim_updates");
    const playbook = PLAYBOOK.replace(
      "when: claim.days_open == 3.0",
      'when: "!onboarding.first_project_done &&"',
    ).replace('eligibility: claim.status == "open"', "eligibility: claim.status == (");
    const dir = deploymentDir(catalog, { "a.yaml": playbook });

    const run = check(dir);
    assert.equal(run.status, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n"), [
      "playbooks not loaded, 3 problems:",
      `${dir}/catalog.yaml:17:15 YAML syntax: this [ is never closed: end the list with ], or indent the lines it goes on to`,
      `${dir}/playbooks/a.yaml:7:47 nodes[0].trigger.when: node claim-status-day-3: trigger.when is not valid CEL: Unexpected token: EOF (at character 34 of the rule)`,
      `${dir}/playbooks/a.yaml:9:35 nodes[0].eligibility: node claim-status-day-3: eligibility is not valid CEL: Unexpected token: EOF (at character 18 of the rule)`,
      "and 1 note on a check left out until the problems above are fixed:",
      `${dir}/catalog.yaml: the playbook was checked for shape and rule syntax only: this catalog could not be read, so no node was checked against it`,
    ]);
  });

  test("a broken catalog entry leaves checks out with a note each, and still fails", () => {
    const catalog = CATALOG_TEXT.replace(
      "    freshness: 52w\n    sensitivity: location",
      "    freshness: 52 weeks\n    sensitivity: location",
    );
    const playbook = PLAYBOOK.replace("purpose: service.claim_updates", "purpose: service.nope");
    const dir = deploymentDir(catalog, { "a.yaml": playbook });

    const run = check(dir);
    assert.equal(run.status, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n"), [
      "playbooks not loaded, 2 problems:",
      `${dir}/catalog.yaml:64:16 attributes["subject.timezone"].freshness: expected a duration such as 30s, 15m, 24h, 7d or 52w`,
      `${dir}/playbooks/a.yaml:10:14 nodes[0].purpose: node claim-status-day-3: purpose service.nope is not declared in the catalog (declared: service.claim_updates, fraud.detection, marketing.campaigns)`,
      "and 1 note on a check left out until the problems above are fixed:",
      `${dir}/playbooks/a.yaml:8:59 nodes[0].bundle[3]: node claim-status-day-3: bundle entry was not checked: it names subject.timezone, whose catalog entry has problems above`,
    ]);
  });
});
