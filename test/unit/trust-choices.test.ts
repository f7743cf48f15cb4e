import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ConsentRecord, ConsentView, Purpose } from "../../src/engine/types.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { choicesOf, type Offer, offersOf, switchKind } from "../../src/trust/choices.ts";
import { resolveLinkSecret } from "../../src/trust/link-secret.ts";
import { stateText } from "../../src/trust/words.ts";

const AT = Date.parse("2026-03-02T10:00:00Z");
const DAY = 86_400_000;
const campaigns: Purpose = {
  id: "marketing.campaigns",
  kind: "marketing",
  marks: ["targeted_advertising"],
  description: "Category offers",
};
const offer: Offer = { purpose: campaigns, channel: "email", basis: "consent" };

function view(records: Partial<ConsentRecord>[], extra: Partial<ConsentView> = {}): ConsentView {
  return {
    subjectId: "s-1",
    records: records.map((r, i) => ({
      id: `c-${i}`,
      subjectId: "s-1",
      purpose: campaigns.id,
      channel: "email",
      kind: "grant",
      capturedAt: AT - DAY,
      source: "form",
      evidence: "e",
      ...r,
    })),
    suppressions: [],
    contacts: {},
    ...extra,
  };
}

function only(v: ConsentView) {
  const [choice] = choicesOf([offer], v, AT);
  assert.ok(choice);
  return choice;
}

describe("offers of the starter deployment", () => {
  test("one per purpose and channel a node acts on, marketing first, the demanding basis shown", () => {
    const offers = offersOf(loadDeploymentFromDir("examples"));
    const keys = offers.map((o) => `${o.purpose.id}/${o.channel}/${o.basis}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.includes("marketing.campaigns/email/consent"));
    assert.ok(keys.includes("service.claim_updates/sms/contract"));
    const firstService = offers.findIndex((o) => o.purpose.kind === "service");
    assert.ok(offers.slice(firstService).every((o) => o.purpose.kind === "service"));
    assert.ok(!keys.some((k) => k.startsWith("marketing.product_news")), "no node, no offer");
  });
});

describe("the state of a choice, as the permission step sees it", () => {
  test("each cause with its instant and words", () => {
    const cases: [ConsentView, boolean, string, string][] = [
      [view([{}]), true, "agreed", "On: you agreed on 1 March 2026."],
      [view([]), false, "never_agreed", "Off: you have not agreed to this."],
      [
        view([{}, { kind: "withdrawal", capturedAt: AT - 1000 }]),
        false,
        "switched_off",
        "Off: you switched this off on 2 March 2026.",
      ],
      [
        view([{ expiresAt: AT - DAY / 2 }]),
        false,
        "expired",
        "Off: your agreement from 1 March 2026 has expired.",
      ],
      [
        view([{}], {
          suppressions: [
            {
              id: "u",
              subjectId: "s-1",
              reason: "unsubscribed",
              channel: "email",
              since: AT - 5 * DAY,
            },
          ],
        }),
        false,
        "unsubscribed",
        "Off: you unsubscribed from our marketing on 25 February 2026.",
      ],
      [
        view([{}], { gpcSince: AT - 2 * DAY }),
        false,
        "privacy_signal",
        "Off: your browser's Global Privacy Control signal asked us not to (since 28 February 2026).",
      ],
    ];
    for (const [v, on, cause, words] of cases) {
      const choice = only(v);
      assert.deepEqual([choice.on, choice.cause, stateText(choice)], [on, cause, words]);
    }
  });

  test("only what the subject can change here is switchable", () => {
    assert.equal(only(view([{}])).switchable, true);
    assert.equal(only(view([])).switchable, true);
    const gpc = only(view([{}], { gpcSince: AT - DAY }));
    assert.equal(gpc.switchable, false);
    const [necessary] = choicesOf(
      [
        {
          purpose: { ...campaigns, kind: "service", marks: [] },
          channel: "sms",
          basis: "contract",
        },
      ],
      view([]),
      AT,
    );
    assert.deepEqual(
      [necessary?.on, necessary?.cause, necessary?.switchable],
      [true, "necessary", false],
    );
  });

  test("a switch writes the record its basis needs", () => {
    assert.equal(switchKind("consent", true), "grant");
    assert.equal(switchKind("consent", false), "withdrawal");
    assert.equal(switchKind("legitimate_interests", false), "objection");
  });
});

describe("the link secret", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "assent-secret-"));

  test("the environment wins; a short one is refused without echoing it", () => {
    const folder = dir();
    const secret = "s".repeat(40);
    assert.deepEqual(resolveLinkSecret({ env: secret, dataDir: folder, mayGenerate: true }), {
      secret,
      origin: "env",
    });
    assert.throws(
      () => resolveLinkSecret({ env: "short-secret", dataDir: folder, mayGenerate: true }),
      (error: Error) =>
        /at least 32 characters; it has 12/.test(error.message) &&
        !error.message.includes("short-secret"),
    );
    rmSync(folder, { recursive: true });
  });

  test("one machine generates a secret once (mode 0600) and reads it back; replicas must be told", () => {
    const folder = dir();
    assert.throws(
      () => resolveLinkSecret({ env: undefined, dataDir: folder, mayGenerate: false }),
      /no link secret: set ASSENT_LINK_SECRET/,
    );
    const made = resolveLinkSecret({ env: undefined, dataDir: folder, mayGenerate: true });
    assert.equal(made.origin, "generated");
    assert.equal(statSync(join(folder, "link-secret")).mode & 0o777, 0o600);
    const again = resolveLinkSecret({ env: "", dataDir: folder, mayGenerate: false });
    assert.deepEqual([again.origin, again.secret], ["file", made.secret]);
    assert.equal(readFileSync(join(folder, "link-secret"), "utf8").trim(), made.secret);
    writeFileSync(join(folder, "link-secret"), "tiny\n");
    assert.throws(
      () => resolveLinkSecret({ env: undefined, dataDir: folder, mayGenerate: true }),
      /at least 32/,
    );
    rmSync(folder, { recursive: true });
    assert.equal(existsSync(folder), false);
  });
});
