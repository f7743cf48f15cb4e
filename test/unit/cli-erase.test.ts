import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { openStore } from "../../src/store/open-store.ts";
import { consent, deployment, event, HOUR, NOW } from "../app/support.ts";

/** `assent erase SUBJECT_ID` as an operator runs it, then `assent log verify`. */

const dir = mkdtempSync(join(tmpdir(), "assent-cli-erase-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The key file beside the database is the default; a variable set around the tests would win.
const env = { ...process.env, ASSENT_MASTER_KEY: "" };

function assent(...args: string[]) {
  return spawnSync(process.execPath, ["bin/assent.js", ...args], { encoding: "utf8", env });
}

describe("assent erase", () => {
  test("erases a subject, says what it did, and the log still verifies; a second run changes nothing", async () => {
    const db = join(dir, "assent.db");
    const store = await openStore(db);
    const app = createApp({ store, deployment, clock: () => NOW });
    await app.recordConsent("s-cli", consent("grant", NOW - HOUR));
    await app.ingest([event("e-1", "lead.captured", "s-cli", { "contact.name": "Ada" }, NOW - 1)]);
    await app.ingest([event("e-2", "offer.quiet", "s-cli", { "offer.value": 5 })]);
    await store.close();

    const playbooks = ["--playbooks", "test/fixtures/erasure", "--db", db];
    const run = assent("erase", "s-cli", ...playbooks);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^erased s-cli at \S+Z: deleted 2 events and 2 profile attributes, blanked the evidence of 1 consent records, cancelled 1 deferrals, 0 reviews, 0 deliveries and 0 timers; their key is destroyed\n$/,
    );
    const verify = assent("log", "verify", "--db", db);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^OK: 2 decisions/);

    const again = assent("erase", "s-cli", ...playbooks);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^s-cli was already erased at \S+Z; nothing changed\n$/);
  });

  test("a database that does not exist is refused, not created", () => {
    const missing = join(dir, "nothing-here", "x.db");
    const run = assent("erase", "s-1", "--db", missing);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no database at/);
    assert.equal(existsSync(missing), false);
  });
});
