import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import type { Decision } from "../../src/engine/types.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import { creditedArm, observeApp, observeConnector } from "../../src/observability/app-metrics.ts";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import { createWebhookConnector } from "../../src/outbox/webhook-connector.ts";
import { loadDeploymentFromSources } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store, StoredDecision } from "../../src/store/store.ts";
import { claimed, type Peer, startPeer } from "../outbox/support.ts";
import { parseExposition, sampleValue } from "./support.ts";

/**
 * Decisions made outside ingest — a person's verdict on a review, a review expiring on the
 * clock's tick — are counted too, and every delivery attempt by its outcome and code.
 */

const NOW = Date.parse("2026-03-02T11:00:00Z");
const HOUR = 3_600_000;

const PLAYBOOK = `
playbook: review-test
version: 1
nodes:
  - id: invoice-call
    trigger: { event: billing.invoice_issued }
    bundle: [account.plan]
    purpose: service.account_notices
    basis: contract
    channels: [crm]
    actions:
      - { kind: task, template: call-about-invoice-v1, value: 1.0, priority: 1 }
    review: { when: account.plan == "team", sla: 2h }
`;

function deployment() {
  const read = (file: string) => ({ file, text: readFileSync(file, "utf8") });
  return loadDeploymentFromSources({
    catalog: read("examples/catalog.yaml"),
    policy: read("examples/policy.yaml"),
    playbooks: [{ file: "review-test.yaml", text: PLAYBOOK }],
  });
}

const invoice = (subjectId: string): EventInput => ({
  id: `${subjectId}-invoice`,
  type: "billing.invoice_issued",
  schemaVersion: 1,
  subjectId,
  occurredAt: new Date(NOW - 1000).toISOString(),
  source: "billing",
  data: { "account.plan": "team" },
});

async function decisions(metrics: Metrics, outcome: string, reason: string) {
  const samples = parseExposition(await metrics.scrape());
  return sampleValue(samples, "assent_decisions_total", { node: "invoice-call", outcome, reason });
}

describe("decisions from reviews and the clock", () => {
  const dir = mkdtempSync(join(tmpdir(), "assent-app-metrics-"));
  let store: Store;
  let metrics: Metrics;
  let now = NOW;

  before(async () => {
    store = await openSqliteStore({ path: join(dir, "assent.db") });
    await store.migrate();
    metrics = createMetrics({ runtime: false });
    const core = createApp({ store, deployment: deployment(), clock: () => now });
    const app = observeApp(core, metrics, deployment());
    await app.ingest(["s-approve", "s-reject", "s-expire"].map(invoice));
    const pending = await app.reviews("pending", 10);
    const reviewOf = (subjectId: string) =>
      pending.find((review) => review.subjectId === subjectId)?.reviewId ?? "";
    now = NOW + HOUR;
    await app.settleReview(reviewOf("s-approve"), "approved");
    await app.settleReview(reviewOf("s-reject"), "rejected");
    await app.tick(NOW + 3 * HOUR);
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("each review opened is counted once, as review_threshold", async () => {
    assert.equal(await decisions(metrics, "review", "review_threshold"), 3);
  });

  test("a person's approval and rejection are counted with their reasons", async () => {
    assert.equal(await decisions(metrics, "act", "review_approved"), 1);
    assert.equal(await decisions(metrics, "suppress", "review_rejected"), 1);
  });

  test("a review that expired on the clock's tick is counted", async () => {
    assert.equal(await decisions(metrics, "suppress", "review_expired"), 1);
  });
});

describe("decisions from Segment calls", () => {
  test("each decision a Segment call produced is counted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assent-segment-metrics-"));
    const store = await openSqliteStore({ path: join(dir, "assent.db") });
    try {
      const metrics = createMetrics({ runtime: false });
      const core = createApp({ store, deployment: deployment(), clock: () => NOW });
      const summary = { decisionId: "d-1", nodeId: "invoice-call", outcome: "act" as const };
      const decided = { ...summary, reason: "eligible" as const };
      const segment = { messageId: "m-1", status: "accepted" as const, decisions: [decided] };
      const app = observeApp(
        { ...core, ingestSegment: async () => [segment] },
        metrics,
        deployment(),
      );
      await app.ingestSegment([], { writeKey: "unused" } as never);
      assert.equal(await decisions(metrics, "act", "eligible"), 1);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("delivery attempts", () => {
  let peer: Peer | undefined;
  after(async () => peer?.close());

  test("each attempt is counted by connector, outcome and code, with its duration", async () => {
    const statuses = [503, 200];
    peer = await startPeer(() => ({ status: statuses.shift() ?? 200 }));
    const metrics = createMetrics({ runtime: false });
    const webhook = createWebhookConnector({ url: peer.url, timeoutMs: 2000 });
    let clock = 0;
    const observed = observeConnector(webhook, metrics, () => {
      clock += 250;
      return clock;
    });
    await observed.deliver(claimed("1"));
    await observed.deliver(claimed("1"));

    const samples = parseExposition(await metrics.scrape());
    const attempts = (outcome: string, code: string) =>
      sampleValue(samples, "assent_deliveries_total", { connector: "webhook", outcome, code });
    assert.equal(attempts("transient", "http_503"), 1);
    assert.equal(attempts("delivered", "http_200"), 1);
    const duration = { connector: "webhook" };
    assert.equal(sampleValue(samples, "assent_delivery_duration_seconds_count", duration), 2);
    assert.equal(sampleValue(samples, "assent_delivery_duration_seconds_sum", duration), 0.5);
  });
});

describe("crediting an outcome to a node's decision", () => {
  const decided = (outcome: Decision["outcome"], decidedAt: number, nodeId = "n"): StoredDecision =>
    ({ decisionId: "d", partition: 0, seq: 1, decision: { nodeId, outcome, decidedAt } }) as never;
  const watch = { nodeId: "n", withinMs: 14 * 24 * HOUR };

  test("the newest act or holdout of the node within the window decides the arm", () => {
    const newestFirst = [decided("suppress", NOW), decided("holdout", NOW - HOUR)];
    assert.equal(creditedArm(newestFirst, watch, NOW), "control");
    assert.equal(creditedArm([decided("act", NOW - HOUR)], watch, NOW), "treated");
  });

  test("the window is closed at both ends; later decisions and other nodes do not count", () => {
    const edge = NOW - watch.withinMs;
    assert.equal(creditedArm([decided("act", edge)], watch, NOW), "treated");
    assert.equal(creditedArm([decided("act", edge - 1)], watch, NOW), undefined);
    assert.equal(creditedArm([decided("act", NOW + 1)], watch, NOW), undefined);
    assert.equal(creditedArm([decided("act", NOW, "other")], watch, NOW), undefined);
  });
});
