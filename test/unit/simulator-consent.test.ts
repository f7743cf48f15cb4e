import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConsentRecord } from "../../src/engine/types.ts";
import type { SimItem } from "../../src/simulator/types.ts";
import { SIM_PLAYBOOKS } from "../../src/simulator/types.ts";
import { catalog, playbookNodes, run } from "./simulator-helpers.ts";

function recordsOf(items: readonly SimItem[]): ConsentRecord[] {
  return items.flatMap((item) => (item.kind === "consent" ? [item.record] : []));
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

describe("simulated consent signals", () => {
  const spec = catalog();

  for (const playbook of SIM_PLAYBOOKS) {
    describe(playbook, () => {
      const items = () => run(playbook);
      const records = () => recordsOf(items());

      it("records only purposes the catalog declares", () => {
        for (const record of records())
          assert.ok(spec.purposes.has(record.purpose), record.purpose);
      });

      it("most subjects grant marketing on e-mail; some stay pending; some decline", () => {
        const marketing = records().filter(
          (record) => spec.purposes.get(record.purpose) === "marketing",
        );
        const granted = new Set(
          marketing
            .filter((r) => r.kind === "grant" && r.channel === "email")
            .map((r) => r.subjectId),
        );
        const pending = marketing.filter((record) => record.kind === "pending");
        assert.ok(share(granted.size, 1000) > 0.6, `${granted.size} of 1000 granted`);
        assert.ok(share(granted.size, 1000) < 0.9, `${granted.size} of 1000 granted`);
        assert.ok(pending.length > 30, `${pending.length} pending double opt-ins`);
      });

      it("withdrawals exist, about one grant in ten, each after a grant of that subject", () => {
        const all = records();
        const withdrawals = all.filter((record) => record.kind === "withdrawal");
        const grants = all.filter(
          (record) => record.kind === "grant" && record.channel === "email",
        );
        const rate = share(withdrawals.length, grants.length);
        assert.ok(rate > 0.04 && rate < 0.16, `withdrawal rate ${rate}`);
        for (const withdrawal of withdrawals) {
          const earlier = all.find(
            (record) =>
              record.kind === "grant" &&
              record.subjectId === withdrawal.subjectId &&
              record.purpose === withdrawal.purpose &&
              record.capturedAt < withdrawal.capturedAt &&
              (withdrawal.channel === "*" || withdrawal.channel === record.channel),
          );
          assert.ok(earlier !== undefined, `withdrawal ${withdrawal.id} has no earlier grant`);
        }
      });

      it("a withdrawal reaches the stream after the grant it withdraws", () => {
        const grantAt = new Map<string, number>();
        for (const item of items()) {
          if (item.kind !== "consent") continue;
          const key = `${item.record.subjectId}/${item.record.purpose}`;
          if (item.record.kind === "grant" && !grantAt.has(key)) grantAt.set(key, item.at);
          if (item.record.kind === "withdrawal") {
            const at = grantAt.get(key);
            assert.ok(at !== undefined && at < item.at, `${item.record.id} before its grant`);
          }
        }
      });

      it("some subjects object, bounce, unsubscribe or send Global Privacy Control", () => {
        const kinds = new Set(items().map((item) => item.kind));
        const objections = records().filter((record) => record.kind === "objection");
        assert.ok(objections.length > 0, "no objections");
        assert.ok(kinds.has("suppression") && kinds.has("gpc"));
        const reasons = new Set(
          items().flatMap((item) => (item.kind === "suppression" ? [item.record.reason] : [])),
        );
        assert.ok(reasons.has("hard_bounce") && reasons.has("unsubscribed"), [...reasons].join());
      });

      it("each node's lawful basis has the records it will be checked against", () => {
        const kinds = new Map<string, Set<string>>();
        for (const record of records()) {
          const set = kinds.get(record.purpose) ?? new Set<string>();
          kinds.set(record.purpose, set.add(record.kind));
        }
        for (const node of playbookNodes(playbook)) {
          const seen = kinds.get(node.purpose) ?? new Set<string>();
          if (node.basis === "consent")
            assert.ok(seen.has("grant") && seen.has("withdrawal"), node.id);
          if (node.basis === "legitimate_interests") assert.ok(seen.has("objection"), node.id);
          const marketing = spec.purposes.get(node.purpose) === "marketing";
          if (marketing && node.basis === "legitimate_interests")
            assert.ok(seen.has("soft_opt_in"), node.id);
        }
      });

      it("evidence is an opaque reference, never personal data", () => {
        for (const record of records()) {
          assert.match(record.evidence, /^[a-z]+(-[a-z]+)*-[0-9a-f]{12}$/);
          assert.ok(!record.evidence.includes(record.subjectId));
        }
      });

      it("contact points come from the EU, the UK and the US, with US numbers for SMS", () => {
        const contacts = items().flatMap((item) => (item.kind === "contact" ? [item] : []));
        const jurisdictions = new Set(contacts.map((contact) => contact.jurisdiction));
        for (const region of ["EU", "UK", "US"]) assert.ok(jurisdictions.has(region), region);
        const sms = contacts.filter((contact) => contact.channel === "sms");
        assert.ok(sms.some((contact) => contact.jurisdiction === "US"));
        const subjects = new Set(
          contacts.filter((c) => c.channel === "email").map((c) => c.subjectId),
        );
        assert.equal(subjects.size, 1000, "every subject has an e-mail contact point");
      });
    });
  }

  it("US marketing SMS grants mostly carry express written consent", () => {
    const sms = recordsOf(run("retail")).filter(
      (r) => r.channel === "sms" && r.jurisdiction === "US",
    );
    const express = sms.filter((record) => record.express === true);
    assert.ok(sms.length > 5 && share(express.length, sms.length) > 0.5);
  });

  it("some EU and UK grants have expired or expire during the run", () => {
    const end = Date.UTC(2026, 0, 5) + 90 * 86_400_000;
    const expiring = recordsOf(run("retail")).filter(
      (r) => r.expiresAt !== undefined && r.expiresAt < end,
    );
    assert.ok(expiring.length > 10, `${expiring.length} expiring grants`);
  });
});
