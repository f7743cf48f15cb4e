import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideNode } from "../../src/engine/engine.ts";
import type { Cap, SendRecord } from "../../src/engine/types.ts";
import { grantedView } from "../support/arbitraries.ts";
import { DAY, input, node, policy, service } from "../support/builders.ts";

/**
 * The three field reports of issue #2, through the whole engine (the pacing golden file holds
 * them at the pacing level): caps must defer to the exact instant, and service messages must
 * neither be capped nor counted by marketing caps.
 */

const at = (iso: string) => Date.parse(iso);
const consent = grantedView();

function send(
  iso: string,
  nodeId = "test-node",
  basis: SendRecord["basis"] = "consent",
): SendRecord {
  return { at: at(iso), channel: "email", nodeId, basis };
}

describe("field report: cap 3 per 7 days", () => {
  const cap: Cap = { id: "weekly", scope: "node", max: 3, periodMs: 7 * DAY, counts: "marketing" };
  const history = [
    send("2025-01-06T09:00:00Z"),
    send("2025-01-07T09:00:00Z"),
    send("2025-01-08T09:00:00Z"),
  ];
  const decide = (iso: string) =>
    decideNode(node({ caps: [cap] }), policy(), input(at(iso), { consent, history }));

  test("a request on 2025-01-09T09:00Z defers to exactly 2025-01-13T09:00:00Z", () => {
    const decision = decide("2025-01-09T09:00:00Z");
    assert.equal(decision.outcome, "defer");
    assert.equal(decision.reason, "cap_reached");
    assert.equal(decision.deferUntil, at("2025-01-13T09:00:00Z"));
  });

  test("a request at 2025-01-13T08:59:59Z is capped", () => {
    assert.equal(decide("2025-01-13T08:59:59Z").reason, "cap_reached");
  });

  test("a request at 2025-01-13T09:00:00Z is allowed", () => {
    assert.equal(decide("2025-01-13T09:00:00Z").outcome, "act");
  });
});

describe("field report: caps with no maximum and with 1 per day", () => {
  const day1 = ["2025-02-03T08:00:00Z", "2025-02-03T12:00:00Z", "2025-02-03T16:00:00Z"];

  function run(cap: Cap) {
    const history: SendRecord[] = [];
    return day1.map((iso) => {
      const decision = decideNode(
        node({ caps: [cap] }),
        policy(),
        input(at(iso), { consent, history }),
      );
      if (decision.outcome === "act") history.push(send(iso));
      return decision;
    });
  }

  test("(a) no maximum: all three allowed and no cap step fails", () => {
    const open: Cap = { id: "open", scope: "node", periodMs: DAY, counts: "marketing" };
    for (const decision of run(open)) {
      assert.equal(decision.outcome, "act");
      assert.ok(decision.steps.every((step) => step.verdict !== "fail"));
    }
  });

  test("(c) 1 per day: the second and third defer to exactly one day after the first", () => {
    const daily: Cap = { id: "daily", scope: "node", max: 1, periodMs: DAY, counts: "marketing" };
    const [first, second, third] = run(daily);
    assert.equal(first?.outcome, "act");
    assert.equal(second?.deferUntil, at("2025-02-04T08:00:00Z"));
    assert.equal(third?.deferUntil, at("2025-02-04T08:00:00Z"));
  });
});

describe("field report: a global cap of 2 marketing e-mails per 7 days", () => {
  const global: Cap = {
    id: "email-weekly",
    scope: "global",
    channel: "email",
    max: 2,
    periodMs: 7 * DAY,
    counts: "marketing",
  };
  const history = [
    send("2025-03-03T10:00:00Z", "welcome"),
    send("2025-03-04T10:00:00Z", "newsletter"),
  ];
  const day3 = at("2025-03-05T10:00:00Z");

  test("a third marketing e-mail on day 3 is capped, whichever node asks", () => {
    const decision = decideNode(
      node({ id: "promo" }),
      policy({ caps: [global] }),
      input(day3, { consent, history }),
    );
    assert.equal(decision.reason, "cap_reached");
    assert.equal(decision.deferUntil, at("2025-03-10T10:00:00Z"));
  });

  test("a transactional receipt on day 3 goes and is not counted", () => {
    const receipt = node({ id: "receipt", purpose: service, basis: "contract" });
    const decision = decideNode(
      receipt,
      policy({ caps: [global] }),
      input(day3, { consent, history }),
    );
    assert.equal(decision.outcome, "act");
    const withReceipt = [...history, send("2025-03-05T10:00:00Z", "receipt", "contract")];
    const later = at("2025-03-10T10:00:00Z");
    const promo = decideNode(
      node({ id: "promo" }),
      policy({ caps: [global] }),
      input(later, { consent, history: withReceipt }),
    );
    assert.equal(promo.outcome, "act");
  });
});
