import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CATALOG_TEXT, load, problemsOf } from "./playbook-helpers.ts";

/**
 * The catalog's segment: and tcf: sections: a valid mapping loads; a rule that would become an
 * undeclared event, set an attribute its event may not set, or name an undeclared purpose or a
 * signal TCF does not have, is refused at load with the file, line and what to fix.
 */

const MAPPINGS = `
segment:
  identify: { event: claim.opened, attributes: { claim.status: status } }
  track:
    Claim Opened: { event: claim.opened, attributes: { claim.amount: money.amount } }
tcf:
  vendor: 755
  purposes:
    marketing.campaigns: { consent: [purpose.1, custom.2], legitimate_interest: [publisher.7] }
`;

function withMappings(from = "", to = ""): string {
  return CATALOG_TEXT + MAPPINGS.replace(from, to);
}

describe("catalog segment: and tcf: sections", () => {
  test("a valid mapping loads, and a catalog without one maps no Segment call", () => {
    const { catalog } = load({ catalog: withMappings() });
    assert.equal(catalog.segment.source, "segment");
    assert.deepEqual(catalog.segment.track["Claim Opened"]?.attributes, {
      "claim.amount": "money.amount",
    });
    assert.equal(catalog.tcf?.vendor, 755);
    assert.deepEqual(catalog.tcf?.purposes["marketing.campaigns"]?.consent, [
      "purpose.1",
      "custom.2",
    ]);

    const plain = load().catalog;
    assert.deepEqual(plain.segment.track, {});
    assert.equal(plain.tcf, undefined);
  });

  test("a rule becoming an undeclared event type is refused at its event", () => {
    const problems = problemsOf({
      catalog: withMappings(
        "event: claim.opened, attributes: { claim.status",
        "event: claim.filed, attributes: { claim.status",
      ),
    });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /catalog\.yaml:\d+:\d+ .*becomes claim\.filed, which is not declared in events/,
    );
  });

  test("a rule setting an attribute its event may not set is refused at that attribute", () => {
    const problems = problemsOf({
      catalog: withMappings("claim.status: status", "claim.days_open: days"),
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /claim\.opened may not set claim\.days_open/);
  });

  test("a TCF rule for an undeclared purpose, or a signal TCF does not have, is refused", () => {
    const purpose = problemsOf({
      catalog: withMappings("marketing.campaigns: {", "marketing.spam: {"),
    });
    const signal = problemsOf({ catalog: withMappings("purpose.1,", "purpose.25,") });
    const empty = problemsOf({
      catalog: withMappings(
        "{ consent: [purpose.1, custom.2], legitimate_interest: [publisher.7] }",
        "{}",
      ),
    });

    assert.equal(purpose.length, 1);
    assert.match(
      purpose[0] ?? "",
      /names purpose marketing\.spam, which is not declared in purposes/,
    );
    assert.equal(signal.length, 1);
    assert.match(signal[0] ?? "", /expected purpose\.N or publisher\.N \(N 1 to 24\)/);
    assert.equal(empty.length, 1);
    assert.match(empty[0] ?? "", /list the TCF signals under consent, legitimate_interest or both/);
  });
});
