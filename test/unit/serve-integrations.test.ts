import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { webhookSecrets } from "../../src/cli/serve-integrations.ts";

/** How `assent serve` reads webhook secrets: file or environment, never echoing a value. */

const dir = mkdtempSync(join(tmpdir(), "assent-secrets-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const secret = () => `whsec_${randomBytes(32).toString("base64")}`;

describe("webhook secrets for serve", () => {
  test("a secrets file holds one per line, with # comments", () => {
    const [newer, older] = [secret(), secret()];
    const file = join(dir, "secrets");
    writeFileSync(file, `# rotated 2026-03\n${newer}\n${older} # until every receiver moved\n`);
    assert.deepEqual(webhookSecrets({ webhookSecretsFile: file }, {}), [newer, older]);
  });

  test("the environment variable is read when no file is given; neither means unsigned", () => {
    const one = secret();
    assert.deepEqual(webhookSecrets({}, { ASSENT_WEBHOOK_SECRETS: one }), [one]);
    assert.deepEqual(webhookSecrets({}, {}), []);
  });

  test("serve refuses a malformed secret with exit 1, naming where, not what", () => {
    const bad = "whsec_c2hvcnQ=";
    const args = ["serve", "--port", "0", "--data-dir", dir, "--db", join(dir, "a.db")];
    const result = spawnSync(
      process.execPath,
      ["bin/assent.js", ...args, "--webhook", "http://127.0.0.1:9/hook"],
      {
        encoding: "utf8",
        env: { ...process.env, ASSENT_WEBHOOK_SECRETS: `${secret()} ${bad}` },
        timeout: 120_000,
      },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /ASSENT_WEBHOOK_SECRETS \(secret 2\): expected whsec_ followed by/);
    assert.ok(!result.stderr.includes(bad) && !result.stderr.includes("c2hvcnQ"));
  });
});
