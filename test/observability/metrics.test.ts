import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { assignArm } from "../../src/experiment/assignment.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import { observeApp } from "../../src/observability/app-metrics.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { addBacklogGauges, createMetrics } from "../../src/observability/metrics.ts";
import { type Deployment, loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { parseExposition, type Sample, sampleValue, sumOf } from "./support.ts";

/**
 * The counters after known traffic: the HTTP API over the real application, the starter
 * playbooks and a SQLite file, with metrics on. Every expected figure is worked out from the
 * traffic the test sends (and, for experiment arms, from the assignment rule), not from the
 * metrics code.
 */

const NOW = Date.parse("2026-03-02T11:00:00Z"); // noon in Amsterdam: no quiet hours
const NODE = "category-campaign";
const KEYS = {
  crm: { id: "crm", secret: "crm-secret-0123456789abcdefghijklmn", scopes: ["ingest", "consent"] },
  ops: { id: "ops", secret: "ops-secret-0123456789abcdefghijklmn", scopes: ["read"] },
  prom: { id: "prom", secret: "prom-secret-0123456789abcdefghijklm", scopes: ["metrics"] },
} as const;
const bearer = (key: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[key].secret}` });

const root = mkdtempSync(join(tmpdir(), "assent-metrics-"));
let store: Store;
let server: HttpServer;
const deployment: Deployment = loadDeploymentFromDir("examples");
let now = NOW;

before(async () => {
  store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  const metrics = createMetrics({ runtime: false });
  addBacklogGauges(
    metrics,
    () => store.backlog(),
    () => now,
  );
  const core = createApp({ store, deployment, clock: () => NOW });
  const app = observeApp(core, metrics, deployment);
  const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
  const logger = createLogger({ level: "silent" });
  server = createHttpServer({ app, config: { keys }, logger, metrics });
});

after(async () => {
  await server.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const iso = (instant: number) => new Date(instant).toISOString();

function postEvents(events: readonly Record<string, unknown>[]) {
  return server.inject({
    method: "POST",
    url: "/v1/events",
    headers: bearer("crm"),
    payload: { events },
  });
}

/** The README tour's customer: a Dutch e-mail contact who bought womenswear recently. */
function customer(subjectId: string) {
  const base = { subjectId, occurredAt: iso(NOW - 60_000), source: "crm" };
  return [
    {
      ...base,
      id: `${subjectId}-contact`,
      type: "contact.updated",
      data: { channel: "email", jurisdiction: "NL" },
    },
    {
      ...base,
      id: `${subjectId}-profile`,
      type: "retail.profile_refreshed",
      data: {
        "retail.recency": 2,
        "retail.history": 310.5,
        "retail.mens": false,
        "retail.womens": true,
        "retail.zip_code": "Urban",
        "retail.newbie": false,
        "retail.channel": "Web",
      },
    },
  ];
}

function consent(subjectId: string, kind: "grant" | "withdrawal", at: number) {
  return server.inject({
    method: "POST",
    url: `/v1/subjects/${subjectId}/consent`,
    headers: bearer("crm"),
    payload: {
      purpose: "marketing.campaigns",
      channel: "email",
      kind,
      capturedAt: iso(at),
      source: "preference-centre",
      evidence: `form-${kind}`,
    },
  });
}

const slot = (subjectId: string) => ({
  id: `${subjectId}-slot`,
  type: "campaign.slot_opened",
  subjectId,
  occurredAt: iso(NOW),
  source: "crm",
});

const order = (subjectId: string, id: string, at: number) => ({
  id,
  type: "order.placed",
  subjectId,
  occurredAt: iso(at),
  source: "shop",
  data: { "order.amount": 42 },
});

/** Subjects whose arm for the campaign node is known from the assignment rule. */
function subjectsIn(arm: string, count: number): string[] {
  const node = deployment.playbooks.flatMap((p) => p.nodes).find((n) => n.id === NODE);
  if (node?.experiment === undefined) throw new Error(`${NODE} has no experiment`);
  const spec = node.experiment;
  const found: string[] = [];
  for (let i = 0; found.length < count; i += 1) {
    if (assignArm(spec, `m-${i}`).arm === arm) found.push(`m-${i}`);
  }
  return found;
}

async function scrape(key: keyof typeof KEYS = "prom"): Promise<Sample[]> {
  const response = await server.inject({ method: "GET", url: "/metrics", headers: bearer(key) });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  return parseExposition(response.body);
}

describe("metrics after known traffic", () => {
  const treated = subjectsIn("treatment", 3);
  const control = subjectsIn("holdout", 2);
  const withdrawn = "m-withdrawn";
  const noConsent = "m-no-consent";
  let afterTraffic: Sample[];
  let text: string;

  before(async () => {
    const everyone = [...treated, ...control, withdrawn, noConsent];
    for (const subjectId of everyone) {
      assert.equal((await postEvents(customer(subjectId))).statusCode, 202);
      if (subjectId !== noConsent) await consent(subjectId, "grant", NOW - 50_000);
    }
    await consent(withdrawn, "withdrawal", NOW - 40_000);
    assert.equal((await postEvents(everyone.map(slot))).statusCode, 202);
    assert.equal((await postEvents([slot(treated[0] ?? "")])).statusCode, 202); // a duplicate
    const orders = [
      order(treated[0] ?? "", "o-1", NOW + 60_000),
      order(control[0] ?? "", "o-2", NOW + 120_000),
      order(treated[1] ?? "", "o-3", NOW - 3_600_000), // before the decision: no credit
      order(noConsent, "o-4", NOW + 60_000), // suppressed: neither arm
    ];
    assert.equal((await postEvents(orders)).statusCode, 202);
    await server.inject({ method: "GET", url: "/v1/subjects/m-secret-person/decisions" }); // 401
    await server.inject({ method: "GET", url: "/no/such/m-secret-person", headers: bearer("ops") });
    await store.withSubject(noConsent, (tx) =>
      tx.scheduleDeferral({
        deferralId: "def-1",
        subjectId: noConsent,
        nodeId: NODE,
        eventId: `${noConsent}-slot`,
        dueAt: NOW - 90_000,
        decisionId: "dec-x",
      }),
    );
    now = NOW + 30_000;
    const response = await server.inject({
      method: "GET",
      url: "/metrics",
      headers: bearer("prom"),
    });
    text = response.body;
    afterTraffic = parseExposition(text);
  });

  test("decisions are counted by node, outcome and reason", () => {
    const decisions = (outcome: string, reason: string) =>
      sampleValue(afterTraffic, "assent_decisions_total", { node: NODE, outcome, reason });
    assert.equal(decisions("act", "eligible"), treated.length);
    assert.equal(decisions("holdout", "control_arm"), control.length);
    assert.equal(decisions("suppress", "consent_withdrawn"), 1);
    assert.equal(decisions("suppress", "consent_missing"), 1);
    assert.equal(sumOf(afterTraffic, "assent_decisions_total"), 7);
  });

  test("acts and holdouts per node", () => {
    assert.equal(sampleValue(afterTraffic, "assent_acts_total", { node: NODE }), 3);
    assert.equal(sampleValue(afterTraffic, "assent_holdouts_total", { node: NODE }), 2);
  });

  test("events by type and status, a re-sent id counted as duplicate", () => {
    const events = (type: string, status: string) =>
      sampleValue(afterTraffic, "assent_events_total", { type, status });
    assert.equal(events("campaign.slot_opened", "accepted"), 7);
    assert.equal(events("campaign.slot_opened", "duplicate"), 1);
    assert.equal(events("contact.updated", "accepted"), 7);
    assert.equal(events("order.placed", "accepted"), 4);
  });

  test("an outcome within the window is credited to the arm of the node's decision", () => {
    const outcome = (arm: string) => ({ node: NODE, metric: "spend", arm });
    assert.equal(sampleValue(afterTraffic, "assent_outcomes_total", outcome("treated")), 1);
    assert.equal(sampleValue(afterTraffic, "assent_outcomes_total", outcome("control")), 1);
    assert.equal(sampleValue(afterTraffic, "assent_outcome_value_total", outcome("treated")), 0.35);
    assert.equal(sampleValue(afterTraffic, "assent_outcome_value_total", outcome("control")), 0.35);
    // The loyalty node also watches order.placed, but never decided for these subjects.
    assert.equal(sumOf(afterTraffic, "assent_outcomes_total", { node: "loyalty-tier-window" }), 0);
  });

  test("requests by route pattern and status; errors by code; latency per route", () => {
    const requests = (method: string, route: string, status: string) =>
      sampleValue(afterTraffic, "assent_http_requests_total", { method, route, status });
    assert.equal(requests("POST", "/v1/events", "202"), 7 + 1 + 1 + 1);
    assert.equal(requests("POST", "/v1/subjects/:subjectId/consent", "201"), 7);
    assert.equal(requests("GET", "/v1/subjects/:subjectId/decisions", "401"), 1);
    assert.equal(requests("GET", "unmatched", "404"), 1);
    const errors = (route: string, code: string) =>
      sampleValue(afterTraffic, "assent_http_errors_total", { route, code });
    assert.equal(errors("/v1/subjects/:subjectId/decisions", "unauthorized"), 1);
    assert.equal(errors("unmatched", "not_found"), 1);
    const latency = { method: "POST", route: "/v1/events" };
    assert.equal(
      sampleValue(afterTraffic, "assent_http_request_duration_seconds_count", latency),
      10,
    );
    const inf = { ...latency, le: "+Inf" };
    assert.equal(sampleValue(afterTraffic, "assent_http_request_duration_seconds_bucket", inf), 10);
  });

  test("saturation: outbox depth, deferred queue depth, oldest unprocessed age per queue", () => {
    assert.equal(sampleValue(afterTraffic, "assent_outbox_depth"), 3); // one file delivery per act
    assert.equal(sampleValue(afterTraffic, "assent_deferrals_pending"), 1);
    const age = (queue: string) =>
      sampleValue(afterTraffic, "assent_oldest_unprocessed_age_seconds", { queue });
    assert.equal(age("outbox"), 30);
    assert.equal(age("deferrals"), 120);
  });

  test("no label carries a subject id or a raw URL", () => {
    assert.doesNotMatch(text, /m-secret-person|m-withdrawn|m-no-consent|m-\d+|\/no\/such/);
  });

  test("/metrics needs a key with scope metrics", async () => {
    const none = await server.inject({ method: "GET", url: "/metrics" });
    const wrong = await server.inject({ method: "GET", url: "/metrics", headers: bearer("ops") });
    assert.equal(none.statusCode, 401);
    assert.equal(wrong.statusCode, 403);
    await scrape("prom");
  });
});

describe("metrics access", () => {
  test("open access serves /metrics without a key", async () => {
    const metrics = createMetrics({ runtime: false });
    const app = createApp({ store, deployment, clock: () => NOW });
    const logger = createLogger({ level: "silent" });
    const config = { keys: [], metricsAccess: "open" as const };
    const open = createHttpServer({ app, config, logger, metrics });
    const response = await open.inject({ method: "GET", url: "/metrics" });
    await open.close();
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /# TYPE assent_http_requests_total counter/);
  });

  test("without metrics there is no /metrics route", async () => {
    const app = createApp({ store, deployment, clock: () => NOW });
    const logger = createLogger({ level: "silent" });
    const bare = createHttpServer({ app, config: { keys: [] }, logger });
    const response = await bare.inject({ method: "GET", url: "/metrics" });
    await bare.close();
    assert.equal(response.statusCode, 404);
  });
});
