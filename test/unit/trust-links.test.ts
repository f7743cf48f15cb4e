import assert from "node:assert/strict";
import { createHmac, hkdfSync } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { linksFromSettings } from "../../src/cli/trust-setup.ts";
import { createTrustLinks } from "../../src/trust/links.ts";
import { propertyRuns } from "../support/property-runs.ts";

const SECRET = "a-test-link-secret-of-at-least-32-characters";
const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function linksAt(at: { ms: number }, secret = SECRET) {
  return createTrustLinks({
    secret,
    publicUrl: "https://assent.example.com/",
    now: () => new Date(at.ms),
  });
}

function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

/** Flips one base64url character of the token at `index` to another valid one. */
function flip(token: string, index: number): string {
  const char = token[index] === "A" ? "B" : "A";
  return token.slice(0, index) + char + token.slice(index + 1);
}

describe("preference links", () => {
  test("valid until the lifetime ends, then expired with the subject still known", () => {
    const clock = { ms: T0 };
    const links = linksAt(clock);
    const link = links.preferenceLink("s-1", "7d");
    assert.equal(link.expiresAt.toISOString(), "2026-01-08T00:00:00.000Z");
    assert.ok(link.url.startsWith("https://assent.example.com/preferences/v1."));
    const valid = links.readPreferenceLink(link.token);
    assert.deepEqual(valid, {
      status: "valid",
      subjectId: "s-1",
      linkId: link.linkId,
      expiresAt: link.expiresAt,
    });

    clock.ms = T0 + 7 * 86_400_000 - 1;
    assert.equal(links.readPreferenceLink(link.token).status, "valid");
    clock.ms = T0 + 7 * 86_400_000;
    const expired = links.readPreferenceLink(link.token);
    assert.equal(expired.status, "expired");
    assert.equal(expired.status === "expired" && expired.subjectId, "s-1");
  });

  test("each link is different and the subject id cannot be read from it", () => {
    const links = linksAt({ ms: T0 });
    const a = links.preferenceLink("subject-visible-id", 60_000);
    const b = links.preferenceLink("subject-visible-id", 60_000);
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.linkId, b.linkId);
    const decoded = Buffer.from(a.token.split(".")[1] ?? "", "base64url").toString("latin1");
    assert.ok(!decoded.includes("subject-visible-id"));
    assert.ok(!a.token.includes("subject-visible-id"));
  });

  test("a changed character, a token from another secret or junk reads as tampered", () => {
    const links = linksAt({ ms: T0 });
    const token = links.preferenceLink("s-1", "1h").token;
    for (const index of [0, 3, 10, token.length - 2]) {
      assert.equal(
        links.readPreferenceLink(flip(token, index)).status,
        "tampered",
        `index ${index}`,
      );
    }
    const other = linksAt({ ms: T0 }, `${SECRET}-other`).preferenceLink("s-1", "1h").token;
    assert.equal(links.readPreferenceLink(other).status, "tampered");
    for (const junk of ["", "v1", "v1..", "v1.a.b", `${token}.x`, "x".repeat(5000)]) {
      assert.equal(links.readPreferenceLink(junk).status, "tampered");
    }
  });

  test("an unsubscribe token is not a preference link and the reverse", () => {
    const links = linksAt({ ms: T0 });
    const unsubscribe = tokenOf(links.unsubscribeUrl("s-1"));
    assert.equal(links.readPreferenceLink(unsubscribe).status, "tampered");
    const preference = links.preferenceLink("s-1", "1h").token;
    assert.equal(links.readUnsubscribeToken(preference).status, "tampered");
  });

  test("bad lifetimes and secrets are refused with the setting named", () => {
    const links = linksAt({ ms: T0 });
    assert.throws(() => links.preferenceLink("s-1", "0d"), /lifetime must be a positive duration/);
    assert.throws(() => links.preferenceLink("s-1", "soon"), /lifetime/);
    assert.throws(() => links.preferenceLink("s-1", -5), /lifetime/);
    assert.throws(() => links.preferenceLink("", "1h"), /subjectId/);
    assert.throws(() => linksAt({ ms: T0 }, "short"), /ASSENT_LINK_SECRET.*at least 32/);
    const base = { secret: SECRET };
    assert.throws(
      () => createTrustLinks({ ...base, publicUrl: "http://assent.example.com" }),
      /must use https/,
    );
    assert.throws(() => createTrustLinks({ ...base, publicUrl: "assent" }), /absolute URL/);
    assert.doesNotThrow(() => createTrustLinks({ ...base, publicUrl: "http://127.0.0.1:3000" }));
  });
});

describe("unsubscribe tokens", () => {
  test("one stable https URL per subject, no expiry, opaque", () => {
    const clock = { ms: T0 };
    const links = linksAt(clock);
    const url = links.unsubscribeUrl("s-1");
    assert.equal(links.unsubscribeUrl("s-1"), url);
    assert.notEqual(links.unsubscribeUrl("s-2"), url);
    assert.ok(url.startsWith("https://assent.example.com/unsubscribe/v1."));
    clock.ms = T0 + 10 * 365 * 86_400_000;
    assert.deepEqual(links.readUnsubscribeToken(tokenOf(url)), {
      status: "valid",
      subjectId: "s-1",
    });
  });

  test("the keys are derived from the secret by HKDF, not the secret itself", () => {
    const links = linksAt({ ms: T0 });
    const token = tokenOf(links.unsubscribeUrl("s-1"));
    const [, body, tag] = token.split(".");
    const macKey = Buffer.from(
      hkdfSync("sha256", SECRET, "assent-trust-links", "assent/unsub/mac/v1", 32),
    );
    const expected = createHmac("sha256", macKey).update(`v1.unsub.${body}`).digest("base64url");
    assert.equal(tag, expected);
  });

  test("mailto carries the same token to the public host's mailbox", () => {
    const links = linksAt({ ms: T0 });
    const mailto = links.unsubscribeMailto("s-1");
    const match = /^mailto:unsubscribe@assent\.example\.com\?subject=unsubscribe%20(.+)$/.exec(
      mailto,
    );
    assert.ok(match, mailto);
    assert.equal(match[1], tokenOf(links.unsubscribeUrl("s-1")));
  });

  test("serve takes the mailbox from ASSENT_UNSUBSCRIBE_MAILBOX", () => {
    const saved = { ...process.env };
    try {
      process.env.ASSENT_LINK_SECRET = SECRET;
      process.env.ASSENT_UNSUBSCRIBE_MAILBOX = "unsubscribe@mail.example.org";
      const settings = {
        publicUrl: "https://prefs.example.com",
        port: 3000,
        dataDir: ".",
        mayGenerate: false,
      };
      const { links } = linksFromSettings(settings);
      assert.match(
        links.unsubscribeMailto("s-1"),
        /^mailto:unsubscribe@mail\.example\.org\?subject=/,
      );
      process.env.ASSENT_UNSUBSCRIBE_MAILBOX = "";
      const unset = linksFromSettings(settings).links.unsubscribeMailto("s-1");
      assert.match(unset, /^mailto:unsubscribe@prefs\.example\.com\?subject=/);
    } finally {
      process.env = saved;
    }
  });

  test("a configured mailbox replaces the public host's; a malformed one is refused by name", () => {
    const config = { secret: SECRET, publicUrl: "https://prefs.example.com" };
    const links = createTrustLinks({ ...config, unsubscribeMailbox: "unsub+crm@mail.example.org" });
    const token = tokenOf(links.unsubscribeUrl("s-1"));
    assert.equal(
      links.unsubscribeMailto("s-1"),
      `mailto:unsub+crm@mail.example.org?subject=unsubscribe%20${token}`,
    );
    for (const bad of [
      "unsubscribe",
      "a@b@example.com",
      "x@example.com?cc=y@example.com",
      "<x@example.com>",
    ]) {
      assert.throws(
        () => createTrustLinks({ ...config, unsubscribeMailbox: bad }),
        (error: Error) =>
          error.message.includes("ASSENT_UNSUBSCRIBE_MAILBOX") &&
          error.message.includes(`"${bad}"`),
        bad,
      );
    }
  });

  test("property: every subject id round-trips, never appears in the token, and any flip is tampered", () => {
    const links = linksAt({ ms: T0 });
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 64 }), fc.nat(), (subjectId, at) => {
        const token = tokenOf(links.unsubscribeUrl(subjectId));
        assert.deepEqual(links.readUnsubscribeToken(token), { status: "valid", subjectId });
        assert.ok(!token.includes(subjectId) || subjectId.length < 4);
        const index = at % token.length;
        if (token[index] === ".") return;
        const flipped = flip(token, index);
        if (flipped === token) return;
        assert.equal(links.readUnsubscribeToken(flipped).status, "tampered");
        const preference = links.preferenceLink(subjectId, "1h");
        assert.equal(links.readPreferenceLink(preference.token).status, "valid");
      }),
      { numRuns: propertyRuns() },
    );
  });
});
