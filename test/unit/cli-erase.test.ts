import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { openStore } from "../../src/store/open-store.ts";
import { consent, deployment, event, HOUR, NOW } from "../app/support.ts";

/**
 * `assent erase SUBJECT_ID` as an operator runs it, then `assent log verify`; and the commands
 * that only read, on a copy of a database without its master key.
 */

const dir = mkdtempSync(join(tmpdir(), "assent-cli-erase-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The key file beside the database is the default; a variable set around the tests would win.
const env = { ...process.env, ASSENT_MASTER_KEY: "" };

function assent(...args: string[]) {
  return assentWith(env, ...args);
}

function assentWith(withEnv: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, ["bin/assent.js", ...args], {
    encoding: "utf8",
    env: withEnv,
  });
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

describe("read-only commands on a database copied without its master key", () => {
  const copy = join(dir, "copied", "copy.db");
  const keyFile = join(dir, "copied", "master.key");
  let decisionId = "";
  let masterKey = "";

  before(async () => {
    const original = join(dir, "keyed", "assent.db");
    const store = await openStore(original);
    const app = createApp({ store, deployment, clock: () => NOW });
    await app.recordConsent("s-sealed", consent("grant", NOW - HOUR));
    await app.ingest([event("e-1", "offer.quiet", "s-sealed", { "offer.value": 5 })]);
    decisionId = (await app.decisionsOf("s-sealed", 1))[0]?.decisionId ?? "";
    await store.close();
    masterKey = readFileSync(join(dir, "keyed", "master.key"), "utf8").trim();
    // The database and its WAL, as a backup tool copies them; the key file stays behind.
    mkdirSync(join(dir, "copied"));
    for (const suffix of ["", "-wal"]) {
      if (existsSync(original + suffix)) copyFileSync(original + suffix, copy + suffix);
    }
  });

  test("log verify checks the chains without a key and makes no key file", () => {
    const run = assent("log", "verify", "--db", copy);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^OK: 1 decisions/);
    assert.equal(existsSync(keyFile), false);
  });

  test("timers lists without a key and makes no key file", () => {
    const run = assent("timers", "s-sealed", "--db", copy);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(keyFile), false);
  });

  test("explain of sealed steps says the key is missing, exits 1 and makes no key file", () => {
    const run = assent("explain", decisionId, "--db", copy);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      `no master key for ${copy}: the key file master.key is not beside the database and ASSENT_MASTER_KEY is not set; set ASSENT_MASTER_KEY to the key the database was written with\n`,
    );
    assert.equal(existsSync(keyFile), false);
  });

  test("explain opens the steps with the original key in ASSENT_MASTER_KEY", () => {
    const run = assentWith(
      { ...env, ASSENT_MASTER_KEY: masterKey },
      "explain",
      decisionId,
      "--db",
      copy,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^decision ${decisionId} `));
    assert.match(run.stdout, /ok +trigger +event offer\.quiet \[e-1\]/);
    assert.equal(existsSync(keyFile), false);
  });
});
