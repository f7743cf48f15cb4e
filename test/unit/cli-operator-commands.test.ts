import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

/**
 * The operator commands (`link`, `timers`, `erase`, `log verify`) as typed: what their help
 * says about the environment, and what they refuse, naming the input but never personal data.
 */

const SECRET = "cli-operator-secret-0123456789abcdefghij";
const dir = mkdtempSync(join(tmpdir(), "assent-cli-operator-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function assent(env: Record<string, string>, ...args: string[]) {
  const { ASSENT_PORT: _port, ...outside } = process.env;
  const clean = { ...outside, ASSENT_LINK_SECRET: "", ASSENT_PUBLIC_URL: "", ...env };
  return spawnSync(process.execPath, ["bin/assent.js", ...args], { encoding: "utf8", env: clean });
}

describe("help names the environment variables a command reads", () => {
  test("link --help names ASSENT_LINK_SECRET and ASSENT_PORT", () => {
    const help = assent({}, "link", "--help").stdout;
    assert.match(help, /ASSENT_LINK_SECRET +signs the link/);
    assert.match(help, /ASSENT_PORT +the port of the default public URL/);
  });

  test("erase --help says it makes master.key when there is none, and names ASSENT_MASTER_KEY", () => {
    const help = assent({}, "erase", "--help").stdout;
    assert.match(help, /ASSENT_MASTER_KEY/);
    assert.match(help, /erase makes that\s+file if there is none/);
  });

  test("the top-level help names ASSENT_DEBUG", () => {
    assert.match(assent({}, "--help").stdout, /ASSENT_DEBUG=1 +print a stack trace/);
  });
});

describe("a bad value is refused naming where it came from", () => {
  test("link refuses ASSENT_PORT=abc naming the variable, not with a NaN URL", () => {
    const run = assent({ ASSENT_LINK_SECRET: SECRET, ASSENT_PORT: "abc" }, "link", "c-1001");
    assert.equal(run.status, 1);
    assert.match(run.stderr, /from env 'ASSENT_PORT' is invalid/);
    assert.doesNotMatch(run.stderr + run.stdout, /NaN/);
  });

  test("log verify names a --db that is a file but not a database", () => {
    const run = assent({}, "log", "verify", "--db", "README.md");
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^invalid_request: README\.md is not a SQLite database\n/);
  });

  test("log verify names a --db that is a folder", () => {
    const run = assent({}, "log", "verify", "--db", dir);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      new RegExp(`^invalid_request: ${dir} is a folder, not a SQLite database file\\n`),
    );
  });
});

describe("a subject id shaped like an e-mail address is refused, as the API refuses it", () => {
  const id = "jan.jansen@example.org";
  const commands: [string, string[]][] = [
    ["link", ["link", id]],
    ["timers", ["timers", id, "--db", join(dir, "none.db")]],
    ["erase", ["erase", id, "--db", join(dir, "none.db")]],
  ];
  for (const [name, args] of commands) {
    test(`${name} refuses it without repeating it`, () => {
      const run = assent({ ASSENT_LINK_SECRET: SECRET }, ...args);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /expected a pseudonymous id, not an e-mail address/);
      assert.doesNotMatch(run.stderr, /jansen/);
    });
  }
});
