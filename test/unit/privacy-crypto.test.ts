import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { parseMasterKey, resolveMasterKey } from "../../src/privacy/master-key.ts";
import { isSealed, openText, SubjectCrypto, sealText } from "../../src/privacy/subject-crypto.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();
const MASTER = Buffer.alloc(32, 7);
const OTHER_MASTER = Buffer.alloc(32, 8);
const root = mkdtempSync(join(tmpdir(), "assent-keys-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("sealing a subject's data", () => {
  const crypto = new SubjectCrypto(MASTER);

  test("whatever the text, it opens to itself, and only with the same key and subject", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string(), fc.string(), (text, a, b) => {
        fc.pre(a !== b);
        const { key } = crypto.newKey(a);
        const sealed = sealText(key, a, text);
        assert.equal(openText(key, a, sealed), text);
        assert.ok(isSealed(sealed));
        assert.ok(!sealed.includes(text) || text.length < 4);
        assert.throws(() => openText(key, b, sealed));
        assert.throws(() => openText(crypto.newKey(a).key, a, sealed));
      }),
      { numRuns },
    );
  });

  test("two seals of the same text differ (a fresh IV each time)", () => {
    const { key } = crypto.newKey("s-1");
    assert.notEqual(
      sealText(key, "s-1", "ada@example.com"),
      sealText(key, "s-1", "ada@example.com"),
    );
  });

  test("a changed byte is refused, not opened to something else", () => {
    const { key } = crypto.newKey("s-1");
    const sealed = sealText(key, "s-1", "+44 20 7946 0958");
    const last = sealed.at(-2) === "A" ? "B" : "A";
    assert.throws(() => openText(key, "s-1", `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`));
  });

  test("no JSON value or plaintext written before sealing looks sealed", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => !isSealed(JSON.stringify(value))),
      { numRuns },
    );
  });

  test("a subject key unwraps only for its subject and its master key, with a clear error", () => {
    const made = crypto.newKey("s-1");
    assert.deepEqual(crypto.unwrap("s-1", made.wrapped), made.key);
    assert.throws(() => crypto.unwrap("s-2", made.wrapped), /ASSENT_MASTER_KEY/);
    assert.throws(() => new SubjectCrypto(OTHER_MASTER).unwrap("s-1", made.wrapped), /differs/);
  });

  test("tombstones are 64 hex digits, one per subject and master key, and never the id", () => {
    const other = new SubjectCrypto(OTHER_MASTER);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        const tombstone = crypto.tombstone(a);
        assert.match(tombstone, /^[0-9a-f]{64}$/);
        assert.equal(crypto.tombstone(a), tombstone);
        assert.notEqual(crypto.tombstone(b), tombstone);
        assert.notEqual(other.tombstone(a), tombstone);
      }),
      { numRuns: Math.min(numRuns, 2000) },
    );
  });

  test("a master key of the wrong size is refused", () => {
    assert.throws(() => new SubjectCrypto(Buffer.alloc(16)), /32 bytes, got 16/);
  });
});

describe("the master key", () => {
  test("is 64 hex digits or 44 base64 characters; anything else names the variable", () => {
    const hex = "ab".repeat(32);
    assert.deepEqual(parseMasterKey(hex), Buffer.from(hex, "hex"));
    const b64 = Buffer.alloc(32, 3).toString("base64");
    assert.deepEqual(parseMasterKey(` ${b64}\n`), Buffer.alloc(32, 3));
    for (const bad of ["", "ab".repeat(31), Buffer.alloc(31).toString("base64"), "not a key"]) {
      assert.throws(() => parseMasterKey(bad), /ASSENT_MASTER_KEY must be a 256-bit key/);
    }
  });

  test("comes from ASSENT_MASTER_KEY when set, else from a key file made once with mode 0600", () => {
    const file = join(root, "data", "master.key");
    const fromEnv = resolveMasterKey(file, { ASSENT_MASTER_KEY: "cd".repeat(32) });
    assert.deepEqual(fromEnv, Buffer.from("cd".repeat(32), "hex"));

    const made = resolveMasterKey(file, {});
    assert.equal(made.length, 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(parseMasterKey(readFileSync(file, "utf8")), made);
    assert.deepEqual(resolveMasterKey(file, {}), made, "the second start reads the same key");
  });

  test("a damaged key file is named in the error", () => {
    const file = join(root, "damaged.key");
    resolveMasterKey(file, {});
    // Edited by hand after the first start.
    writeFileSync(file, "short\n");
    assert.throws(() => resolveMasterKey(file, {}), /damaged\.key must be a 256-bit key/);
  });
});
