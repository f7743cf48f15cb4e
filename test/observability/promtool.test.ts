import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseExposition, sampleValue } from "./support.ts";

/**
 * Debian's `promtool check metrics` on a scrape of a running `assent serve` (the real CLI, its
 * SQLite default, the starter playbooks) that has handled traffic: ingest, consent, a dry run,
 * refused and unknown requests.
 */

const INSTALL = "apt-get install -y prometheus";

function promtool(): string {
  const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === "") {
    throw new Error(`promtool not found: install Debian's Prometheus tools with \`${INSTALL}\``);
  }
  return path;
}

interface Service {
  readonly process: ChildProcess;
  readonly url: string;
  readonly key: string;
}

const dir = mkdtempSync(join(tmpdir(), "assent-promtool-"));
let service: Service;

/** Starts `assent serve` on a free port and reads its address and new admin key. */
function startService(): Promise<Service> {
  const args = ["bin/assent.js", "serve", "--port", "0", "--data-dir", dir, "--log-level", "warn"];
  const child = spawn(process.execPath, [...args, "--db", join(dir, "assent.db")], {
    env: { ...process.env, ASSENT_WEBHOOK_SECRETS: undefined, ASSENT_DATABASE_URL: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 120_000);
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /new admin API key: +(\S+)/.exec(out)?.[1];
      if (url !== undefined && key !== undefined) {
        clearTimeout(timer);
        resolve({ process: child, url, key });
      }
    });
  });
}

async function call(method: string, path: string, body?: unknown, key = service.key) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** Traffic of every kind: accepted, duplicate, decided, dry-run, refused and unknown. */
async function sendTraffic(): Promise<void> {
  const at = new Date().toISOString();
  const base = { subjectId: "c-1001", occurredAt: at, source: "crm" };
  const contact = { ...base, id: "t-1", type: "contact.updated", data: { channel: "email" } };
  const events = [{ ...contact, data: { channel: "email", jurisdiction: "NL" } }];
  assert.equal((await call("POST", "/v1/events", { events })).status, 202);
  const consent = {
    purpose: "marketing.campaigns",
    channel: "email",
    kind: "grant",
    capturedAt: at,
    source: "preference-centre",
    evidence: "form-1",
  };
  assert.equal((await call("POST", "/v1/subjects/c-1001/consent", consent)).status, 201);
  const slot = { ...base, id: "t-2", type: "campaign.slot_opened" };
  assert.equal((await call("POST", "/v1/events", slot)).status, 202);
  assert.equal((await call("POST", "/v1/events", slot)).status, 202);
  assert.equal((await call("POST", "/v1/decide", { ...slot, id: "t-3" })).status, 200);
  assert.equal((await call("POST", "/v1/events", { events: [{ id: "bad" }] })).status, 400);
  assert.equal((await call("GET", "/v1/reviews", undefined, "wrong-key")).status, 401);
  assert.equal((await call("GET", "/v1/nothing/here")).status, 404);
}

before(async () => {
  promtool();
  service = await startService();
  await sendTraffic();
});

after(() => {
  service?.process.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("promtool on a running service", () => {
  test("promtool check metrics passes on a scrape after traffic", async () => {
    const scrape = await call("GET", "/metrics");
    assert.equal(scrape.status, 200);
    const checked = spawnSync(promtool(), ["check", "metrics"], {
      input: scrape.text,
      encoding: "utf8",
    });
    assert.equal(checked.status, 0, `promtool said:\n${checked.stdout}${checked.stderr}`);
    assert.equal(`${checked.stdout}${checked.stderr}`.trim(), "");

    const samples = parseExposition(scrape.text);
    const requests = { method: "POST", route: "/v1/events", status: "202" };
    assert.equal(sampleValue(samples, "assent_http_requests_total", requests), 3);
    const invalid = { route: "/v1/events", code: "invalid_request" };
    assert.equal(sampleValue(samples, "assent_http_errors_total", invalid), 1);
    assert.equal(sampleValue(samples, "assent_events_total", { status: "duplicate" }), 1);
    assert.ok(sampleValue(samples, "process_resident_memory_bytes") > 0);
    assert.ok(samples.some((sample) => sample.name === "nodejs_eventloop_lag_seconds"));
  });

  test("promtool refuses a broken exposition (the check can fail)", () => {
    const broken = '# TYPE assent_things counter\nassent_things{node="a" 1\n';
    const checked = spawnSync(promtool(), ["check", "metrics"], {
      input: broken,
      encoding: "utf8",
    });
    assert.notEqual(checked.status, 0);
  });
});
