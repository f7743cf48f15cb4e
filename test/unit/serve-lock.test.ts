import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { AppError } from "../../src/app/errors.ts";
import { type StoreTarget, storeTarget } from "../../src/store/open-store.ts";
import { holdServeLock } from "../../src/store/serve-lock.ts";
import { TEST_URL } from "../contract/postgres-support.ts";

/** A replay writes as if alone: it must never run beside a server on the same database. */

function sqliteTarget(): StoreTarget {
  return storeTarget(join(mkdtempSync(join(tmpdir(), "assent-lock-")), "assent.db"));
}

/** A fresh schema name per test: the lock is keyed by the schema, and creates nothing. */
function postgresTarget(): StoreTarget {
  return storeTarget(`${TEST_URL}?schema=assent_lock_${randomBytes(5).toString("hex")}`);
}

async function refusal(taking: Promise<unknown>): Promise<AppError> {
  const error = await taking.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof AppError, "the lock was taken though it is held");
  assert.equal(error.code, "conflict");
  return error;
}

/** Another process holding the serve lock, as `assent serve` does; resolves once it holds it. */
async function serverProcess(target: StoreTarget): Promise<ChildProcess> {
  const script =
    `import { holdServeLock } from ${JSON.stringify(new URL("../../src/store/serve-lock.ts", import.meta.url).pathname)};` +
    `await holdServeLock(${JSON.stringify(target)}, "serve");` +
    `process.stdout.write("held\\n"); setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [chunk] = (await once(child.stdout, "data")) as [Buffer];
  assert.equal(chunk.toString().trim(), "held");
  return child;
}

for (const [kind, target] of [
  ["SQLite", sqliteTarget],
  ["PostgreSQL", postgresTarget],
] as const) {
  describe(`the serve lock on ${kind}`, () => {
    test("a replay is refused while a server holds the database, and runs once it stops", async () => {
      const database = target();
      const server = await holdServeLock(database, "serve");
      const error = await refusal(holdServeLock(database, "replay"));
      assert.match(
        error.message,
        new RegExp(`is being served by assent serve \\(pid ${process.pid}\\)`),
      );
      assert.match(
        error.fields[0]?.expected ?? "",
        /stop the server first, or replay into a database of its own/,
      );
      await server.release();
      const replay = await holdServeLock(database, "replay");
      await replay.release();
    });

    test("several servers share a database; a server is refused while a replay runs", async () => {
      const database = target();
      const one = await holdServeLock(database, "serve");
      const two = await holdServeLock(database, "serve");
      await refusal(holdServeLock(database, "replay"));
      await one.release();
      await refusal(holdServeLock(database, "replay"));
      await two.release();
      const replay = await holdServeLock(database, "replay");
      const error = await refusal(holdServeLock(database, "serve"));
      assert.match(error.message, /^a replay is writing to /);
      await refusal(holdServeLock(database, "replay"));
      await replay.release();
    });

    test("another process's server blocks a replay until it dies, even killed outright", async () => {
      const database = target();
      const child = await serverProcess(database);
      const error = await refusal(holdServeLock(database, "replay"));
      assert.match(error.message, new RegExp(`\\(pid ${child.pid}\\)`));
      child.kill("SIGKILL");
      await once(child, "exit");
      // The dead server's lock is gone with it; on SQLite its lock and pid files stay behind.
      if (database.kind === "sqlite") {
        assert.ok(existsSync(`${database.path}.lock`) && existsSync(`${database.path}.pid`));
      }
      const replay = await holdServeLock(database, "replay");
      await replay.release();
    });
  });
}

describe("the SQLite pid file", () => {
  const pidsIn = (file: string) => readFileSync(file, "utf8").trim().split("\n").map(Number);

  test("lists every server; each removes only its own line, the last one the file", async () => {
    const database = sqliteTarget();
    assert.ok(database.kind === "sqlite");
    const pidFile = `${database.path}.pid`;
    const child = await serverProcess(database);
    const mine = await holdServeLock(database, "serve");
    assert.deepEqual(pidsIn(pidFile), [child.pid, process.pid]);
    const both = await refusal(holdServeLock(database, "replay"));
    assert.match(
      both.message,
      new RegExp(`is being served by assent serve \\(pids ${child.pid}, ${process.pid}\\)$`),
    );

    await mine.release();
    assert.deepEqual(pidsIn(pidFile), [child.pid]);
    const first = await refusal(holdServeLock(database, "replay"));
    assert.match(
      first.message,
      new RegExp(`is being served by assent serve \\(pid ${child.pid}\\)$`),
    );

    child.kill("SIGKILL");
    await once(child, "exit");
    const again = await holdServeLock(database, "serve");
    assert.deepEqual(pidsIn(pidFile), [process.pid], "a dead server's line is dropped");
    await again.release();
    assert.equal(existsSync(pidFile), false);
  });

  test("a dead server's line is not named; two locks in one process are two lines", async () => {
    const database = sqliteTarget();
    assert.ok(database.kind === "sqlite");
    const pidFile = `${database.path}.pid`;
    const child = await serverProcess(database);
    child.kill("SIGKILL");
    await once(child, "exit");
    const one = await holdServeLock(database, "serve");
    writeFileSync(pidFile, `${child.pid}\n${process.pid}\n`);
    const error = await refusal(holdServeLock(database, "replay"));
    assert.match(error.message, new RegExp(`\\(pid ${process.pid}\\)$`));

    const two = await holdServeLock(database, "serve");
    assert.deepEqual(pidsIn(pidFile), [process.pid, process.pid]);
    const named = await refusal(holdServeLock(database, "replay"));
    assert.match(named.message, new RegExp(`\\(pid ${process.pid}\\)$`));
    await one.release();
    assert.deepEqual(pidsIn(pidFile), [process.pid]);
    await two.release();
    assert.equal(existsSync(pidFile), false);
  });
});

test("a lock on one PostgreSQL schema leaves another schema free", async () => {
  const server = await holdServeLock(postgresTarget(), "serve");
  const replay = await holdServeLock(postgresTarget(), "replay");
  await replay.release();
  await server.release();
});
