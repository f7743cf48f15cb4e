import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createTrustLinks } from "../../src/trust/links.ts";

/** `assent link` as an operator runs it. */

const SECRET = "cli-link-secret-0123456789abcdefghijkl";

function assent(env: Record<string, string>, ...args: string[]) {
  const clean = { ...process.env, ASSENT_LINK_SECRET: "", ASSENT_PUBLIC_URL: "", ...env };
  return spawnSync(process.execPath, ["bin/assent.js", "link", ...args], {
    encoding: "utf8",
    env: clean,
  });
}

describe("assent link", () => {
  test("prints a link for the subject that the server's signer accepts, with its expiry", () => {
    const run = assent(
      { ASSENT_LINK_SECRET: SECRET },
      "c-1001",
      "--public-url",
      "https://prefs.example.com",
      "--ttl",
      "24h",
      "--json",
    );
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    const links = createTrustLinks({ secret: SECRET, publicUrl: "https://prefs.example.com" });
    const token = out.url.slice("https://prefs.example.com/preferences/".length);
    const reading = links.readPreferenceLink(token);
    assert.equal(reading.status === "valid" && reading.subjectId, "c-1001");
    const hours = (Date.parse(out.expiresAt) - Date.now()) / 3_600_000;
    assert.ok(hours > 23.9 && hours <= 24, `expires in ${hours} h`);
    assert.equal(out.unsubscribeUrl, links.unsubscribeUrl("c-1001"));
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SECRET));
  });

  test("without a secret it says which variable to set and generates nothing", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "assent-link-"));
    const run = assent({}, "c-1", "--data-dir", dataDir);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no link secret: set ASSENT_LINK_SECRET/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const bad = assent({ ASSENT_LINK_SECRET: SECRET }, "c-1", "--ttl", "soon");
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--ttl must be a positive duration such as 24h or 7d, got "soon"/);
  });
});
