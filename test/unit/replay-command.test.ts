import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import pg from "pg";
import { openStore, storeTarget } from "../../src/store/open-store.ts";
import { holdServeLock } from "../../src/store/serve-lock.ts";
import { TEST_URL } from "../contract/postgres-support.ts";

/** `assent replay` and `serve` as a user runs them: refusals before anything is written. */

function assent(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ["bin/assent.js", ...args], {
    encoding: "utf8",
    // A serve that starts when it should have been refused would otherwise never end.
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), "assent-replay-cli-"));
}

/** A small simulated SaaS stream: some of its decisions act, so deliveries wait in the outbox. */
function simulatedStream(dir: string): string {
  const file = join(dir, "saas.ndjson");
  const args = ["simulate", "--playbook", "saas", "--subjects", "30", "--days", "10"];
  const run = assent({}, ...args, "--out", file);
  assert.equal(run.status, 0, run.stderr);
  return file;
}

function assertNothingWritten(dir: string, db: string, stderr: string): void {
  assert.equal(existsSync(db), false, "the database was created");
  assert.equal(existsSync(join(dir, "master.key")), false, "a master key was made");
  assert.doesNotMatch(stderr, /\n\s+at |Unhandled/);
}

describe("assent replay refuses, naming why, before anything is written", () => {
  test("an --out path in a folder that does not exist", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
    const out = join(dir, "missing", "x.ndjson");
    const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", db, "--out", out);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`cannot write --out ${out}: its folder does not exist`));
    assertNothingWritten(dir, db, run.stderr);
  });

  test("an --out under a kernel file system (Linux)", {
    skip: process.platform !== "linux",
  }, () => {
    const dir = folder();
    const db = join(dir, "r.db");
    writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
    const cases = [
      ["/proc/version", "it is under /proc, a kernel file system, not a file"],
      ["/sys/kernel/notes", "it is under /sys, a kernel file system, not a file"],
    ] as const;
    for (const [out, why] of cases) {
      const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", db, "--out", out);
      assert.equal(run.status, 1, out);
      const first = run.stderr.split("\n")[0];
      assert.equal(first, `invalid_request: cannot write --out ${out}: ${why}`);
      assertNothingWritten(dir, db, run.stderr);
    }
  });

  test("an --out that is the replay file itself, by any path to it", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    const file = join(dir, "one.ndjson");
    const text = `${JSON.stringify(consentLine())}\n`;
    writeFileSync(file, text);
    symlinkSync(file, join(dir, "link.ndjson"));
    for (const out of [file, join(dir, ".", "one.ndjson"), join(dir, "link.ndjson")]) {
      const run = assent({}, "replay", file, "--db", db, "--out", out);
      assert.equal(run.status, 1, out);
      assert.match(run.stderr, new RegExp(`--out ${out} is the replay file itself`), out);
      assert.equal(readFileSync(file, "utf8"), text, "the replay file was changed");
      assertNothingWritten(dir, db, run.stderr);
    }
  });

  test("an --out that is the database or one of its files, by any path to it", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
    mkdirSync(join(dir, "sub"));
    symlinkSync(dir, join(dir, "sub", "up"));
    const outs = [db, `${db}-wal`, `${db}-shm`, `${db}.lock`, `${db}.pid`];
    for (const out of [...outs, join(dir, "sub", "up", "r.db-wal")]) {
      const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", db, "--out", out);
      assert.equal(run.status, 1, out);
      assert.match(run.stderr, /is the database \(or one of its files\)/, out);
      assert.ok(run.stderr.includes(`--out ${out} is the database`), run.stderr);
      assertNothingWritten(dir, db, run.stderr);
      assert.equal(existsSync(out), false, `${out} was written`);
    }
  });

  test("an --out that is an existing database reached through a symlink", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
    writeFileSync(db, "not NDJSON");
    symlinkSync(db, join(dir, "alias.db"));
    for (const [given, out] of [
      [db, join(dir, "alias.db")],
      [join(dir, "alias.db"), db],
    ] as const) {
      const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", given, "--out", out);
      assert.equal(run.status, 1, out);
      assert.ok(run.stderr.includes(`--out ${out} is the database (or one of its files)`), out);
      assert.equal(readFileSync(db, "utf8"), "not NDJSON", "the database was written over");
    }
  });

  test("an empty file and a file of blank lines", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    for (const [name, text] of [
      ["empty.ndjson", ""],
      ["blank.ndjson", "\n   \n\t\n"],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const run = assent({}, "replay", join(dir, name), "--db", db);
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`${name} has no lines: nothing was replayed`));
      assertNothingWritten(dir, db, run.stderr);
    }
  });

  test("a folder given as the replay file", () => {
    const dir = folder();
    const db = join(dir, "r.db");
    const run = assent({}, "replay", dir, "--db", db);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /is a folder, not a replay file/);
    assert.doesNotMatch(run.stderr, /EISDIR/);
    assertNothingWritten(dir, db, run.stderr);
  });

  test("a PostgreSQL schema a server holds: refused with its pid, no schema made", async () => {
    const schema = `assent_lock_${randomBytes(5).toString("hex")}`;
    const url = `${TEST_URL}?schema=${schema}`;
    const server = await holdServeLock(storeTarget(url), "serve");
    try {
      const dir = folder();
      writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
      const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", url);
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`being served by assent serve \\(pid ${process.pid}\\)`));
      assert.equal(await schemaExists(schema), false);
    } finally {
      await server.release();
    }
  });
});

describe("assent replay --out a stream", () => {
  test("is allowed: the outcomes are discarded and the replay is written", {
    skip: process.platform !== "linux",
  }, () => {
    const dir = folder();
    const db = join(dir, "r.db");
    writeFileSync(join(dir, "one.ndjson"), `${JSON.stringify(consentLine())}\n`);
    const run = assent({}, "replay", join(dir, "one.ndjson"), "--db", db, "--out", "/dev/null");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(db), true);
  });

  test("a stream is allowed too: /dev/stdout into a shell pipe gets the outcome lines", {
    skip: process.platform !== "linux",
  }, () => {
    const dir = folder();
    const db = join(dir, "r.db");
    const file = simulatedStream(dir);
    // Through a shell pipe, as `… --out /dev/stdout | jq` runs (Node's own stdio pipes are sockets).
    const command = `"${process.execPath}" bin/assent.js replay "${file}" --db "${db}" --out /dev/stdout | cat`;
    const run = spawnSync("bash", ["-o", "pipefail", "-c", command], {
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split("\n").filter((line) => line.startsWith("{"));
    assert.ok(lines.length > 0, "no outcome line reached the pipe");
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  });
});

describe("assent replay beside assent serve", () => {
  test("refused while serve runs on the database, then replays and counts pending deliveries", async () => {
    const dir = folder();
    const db = join(dir, "r.db");
    const file = simulatedStream(dir);
    const serve = spawn(
      process.execPath,
      ["bin/assent.js", "serve", "--db", db, "--data-dir", dir, "--port", "0"],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    await once(serve.stdout, "data");

    const refused = assent({}, "replay", file, "--db", db);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      new RegExp(`${db} is being served by assent serve \\(pid ${serve.pid}\\)`),
    );
    assert.match(refused.stderr, /stop the server first, or replay into a database of its own/);

    serve.kill("SIGTERM");
    await once(serve, "exit");
    const run = assent({}, "replay", file, "--db", db);
    assert.equal(run.status, 0, run.stderr);
    const store = await openStore(db);
    const pending = await store.outboxDepth();
    await store.close();
    assert.ok(pending > 0);
    const line = `${pending} deliver${pending === 1 ? "y is" : "ies are"} pending in this database's outbox: serve delivers them`;
    assert.ok(run.stdout.includes(line), run.stdout);
  });
});

describe("assent serve's address", () => {
  test("an empty ASSENT_HOST or --host is refused, never taken as every interface", () => {
    for (const run of [assent({ ASSENT_HOST: "" }, "serve"), assent({}, "serve", "--host", " ")]) {
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /--host must be an address such as 127\.0\.0\.1/);
      assert.doesNotMatch(run.stdout, /serving/);
    }
    assert.match(assent({ ASSENT_HOST: "" }, "serve").stderr, /from env 'ASSENT_HOST'/);
  });
});

function consentGrant() {
  return {
    purpose: "marketing.campaigns",
    channel: "email",
    kind: "grant",
    capturedAt: "2025-03-01T09:00:00Z",
    source: "web",
    evidence: "form-17",
  };
}

function consentLine() {
  return { kind: "consent", subjectId: "s-1", record: consentGrant() };
}

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_URL });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return found.rowCount === 1;
  } finally {
    await client.end();
  }
}
