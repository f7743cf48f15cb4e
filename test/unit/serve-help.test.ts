import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

/** `assent serve --help` names every variable serve reads, and serve checks them as its flags. */

const BIN = fileURLToPath(new URL("../../bin/assent.js", import.meta.url));

/** The test's own environment without Assent's or OpenTelemetry's variables. */
function plainEnv(): NodeJS.ProcessEnv {
  const entries = Object.entries(process.env);
  return Object.fromEntries(entries.filter(([name]) => !/^(ASSENT|OTEL)_/.test(name)));
}

/** Runs the CLI in an empty folder, so that a serve that starts by mistake writes nowhere here. */
function assent(env: Record<string, string>, ...args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), "assent-serve-help-"));
  try {
    const run = spawnSync(process.execPath, [BIN, ...args], {
      cwd,
      encoding: "utf8",
      env: { ...plainEnv(), ...env },
      timeout: 20_000,
    });
    return { ...run, written: readdirSync(cwd) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const VARIABLES = [
  "ASSENT_DATABASE_URL",
  "ASSENT_HOST",
  "ASSENT_PORT",
  "ASSENT_WEBHOOK_URL",
  "ASSENT_WEBHOOK_SECRETS",
  "ASSENT_PUBLIC_URL",
  "ASSENT_LINK_SECRET",
  "ASSENT_UNSUBSCRIBE_MAILBOX",
  "ASSENT_MASTER_KEY",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "ASSENT_DEBUG",
];

describe("assent serve --help", () => {
  test("names every environment variable serve reads, with the flag each one stands for", () => {
    const run = assent({}, "serve", "--help");

    assert.equal(run.status, 0);
    const environment = run.stdout.slice(run.stdout.indexOf("\nEnvironment"));
    for (const name of VARIABLES) assert.ok(environment.includes(name), `${name} is named`);
    assert.match(run.stdout, /--port <n> +port \(default: 3000, env: ASSENT_PORT\)/);
    assert.match(run.stdout, /--host <host>[\s\S]*env: ASSENT_HOST\)/);
    assert.match(environment, /ASSENT_HOST, ASSENT_PORT +the address to listen on/);
    assert.match(environment, /API keys have no variable: they are read from the --keys file/);
  });

  test("shows no variable's value: a webhook or database URL may hold a credential", () => {
    const env = {
      ASSENT_WEBHOOK_URL: "https://hooks.example/webhook-t0ken",
      ASSENT_DATABASE_URL: "postgres://assent:db-passw0rd@db.example/assent",
    };
    const run = assent(env, "serve", "--help");

    assert.equal(run.status, 0);
    assert.doesNotMatch(run.stdout, /webhook-t0ken|db-passw0rd/);
  });
});

describe("serve's environment", () => {
  test("a port variable that is not a port is refused naming the variable, before serving", () => {
    const run = assent({ ASSENT_PORT: "abc" }, "serve");

    assert.equal(run.status, 1);
    assert.match(run.stderr, /from env 'ASSENT_PORT' is invalid/);
    assert.match(run.stderr, /--port must be a whole number from 0 to 65535, got "abc"/);
    assert.deepEqual(run.written, []);
  });
});
