import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { type App, createApp } from "../../src/app/app.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import {
  createTracing,
  NO_TRACING,
  type Tracing,
  tracingFromEnv,
} from "../../src/observability/tracing.ts";
import {
  TracingConfigError,
  tracesExportersOf,
  tracingSampler,
} from "../../src/observability/tracing-config.ts";
import type { Connector } from "../../src/outbox/connector.ts";
import { createDeliveryWorker, decisionSpanIn } from "../../src/outbox/worker.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Delivery, Store } from "../../src/store/store.ts";

/**
 * One trace per event, through the real application, a SQLite store and the outbox worker, with
 * an in-memory exporter. The retail tour of the README: a subject in the Netherlands with a
 * profile and e-mail consent; a campaign slot opens at noon Amsterdam time, so the category
 * campaign acts and its delivery goes out later through the worker.
 */

const NOON = Date.parse("2026-03-03T11:00:00Z");
const SUBJECT = "c-trace-1";
const at = new Date(NOON - 60_000).toISOString();

/** Values of the subject's profile and consent: none may appear in any span. */
const PROFILE = {
  "retail.recency": 7,
  "retail.history": 310.57,
  "retail.mens": false,
  "retail.womens": true,
  "retail.zip_code": "Urban",
  "retail.newbie": false,
  "retail.channel": "Web",
};
const CONTACT = { channel: "email", jurisdiction: "NL" };
const CONSENT = {
  purpose: "marketing.campaigns",
  channel: "email" as const,
  kind: "grant" as const,
  capturedAt: at,
  source: "preference-centre",
  evidence: "form-2291",
};

function event(id: string, type: string, data: Record<string, unknown> = {}): EventInput {
  return { id, type, schemaVersion: 1, subjectId: SUBJECT, occurredAt: at, source: "crm", data };
}

const root = mkdtempSync(join(tmpdir(), "assent-tracing-"));
const exporter = new InMemorySpanExporter();
const delivered: Delivery[] = [];
const connector: Connector = {
  name: "file",
  deliver: async (delivery) => {
    delivered.push(delivery);
    return { outcome: "delivered", code: "ok" };
  },
};
let store: Store;
let tracing: Tracing;
let app: App;

before(async () => {
  store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  tracing = createTracing({ processors: [new SimpleSpanProcessor({ exporter })], env: {} });
  const deployment = loadDeploymentFromDir("examples");
  app = createApp({ store, deployment, clock: () => NOON, tracing });
  await app.ingest([
    event("t-contact", "contact.updated", CONTACT),
    event("t-profile", "retail.profile_refreshed", PROFILE),
  ]);
  await app.recordConsent(SUBJECT, CONSENT);
  await app.ingest([event("t-slot", "campaign.slot_opened")]);
  const worker = createDeliveryWorker({
    store,
    connectors: new Map([[connector.name, connector]]),
    clock: () => NOON + 1_000,
    batch: 10,
    leaseMs: 60_000,
    backoff: { baseMs: 1_000, capMs: 60_000, maxAttempts: 3 },
    tracing: { tracing, decisionSpan: decisionSpanIn(store) },
  });
  await worker.runOnce();
});

after(async () => {
  await tracing.shutdown();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const spans = () => exporter.getFinishedSpans();
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const childrenOf = (parent: ReadableSpan) =>
  spans()
    .filter((span) => span.parentSpanContext?.spanId === idOf(parent))
    .sort((a, b) => compareTime(a.startTime, b.startTime));

function compareTime(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

function eventSpan(eventId: string): ReadableSpan {
  const found = spans().filter(
    (span) => span.name === "assent.event" && span.attributes["assent.event_id"] === eventId,
  );
  assert.equal(found.length, 1, `one event span for ${eventId}`);
  return found[0] as ReadableSpan;
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what}`);
  return items[0] as T;
}

describe("one trace per event", () => {
  test("every event span is the root of its own trace", () => {
    const roots = ["t-contact", "t-profile", "t-slot"].map(eventSpan);
    for (const span of roots) assert.equal(span.parentSpanContext, undefined);
    assert.equal(new Set(roots.map(traceOf)).size, 3);
  });

  test("the event's span holds the insert, the profile update, deciding and each decision", () => {
    const slot = eventSpan("t-slot");
    const names = childrenOf(slot).map((span) => span.name);
    assert.deepEqual(names.slice(0, 3), [
      "assent.event.insert",
      "assent.profile.update",
      "assent.decide",
    ]);
    assert.ok(names.slice(3).length >= 1, "at least one decision");
    assert.ok(names.slice(3).every((name) => name === "assent.decision"));
    assert.ok(childrenOf(slot).every((span) => traceOf(span) === traceOf(slot)));
  });

  test("a decision's span has a mark per explanation step in order, the log write, the outbox entry and its delivery", async () => {
    const decisions = await app.decisionsOf(SUBJECT, 10);
    const acted = only(
      decisions.filter((stored) => stored.decision.outcome === "act"),
      "acted decision",
    );
    const span = only(
      spans().filter(
        (each) =>
          each.attributes["assent.decision_id"] === acted.decisionId &&
          each.name === "assent.decision",
      ),
      "decision span",
    );
    const steps = acted.decision.steps.map(({ step }) => `assent.step.${step}`);
    assert.deepEqual(
      childrenOf(span).map((child) => child.name),
      [...steps, "assent.log.append", "assent.outbox.enqueue", "assent.outbox.deliver"],
    );
    const verdicts = childrenOf(span)
      .slice(0, steps.length)
      .map((child) => child.attributes["assent.verdict"]);
    assert.deepEqual(
      verdicts,
      acted.decision.steps.map(({ verdict }) => verdict),
    );
    assert.equal(span.attributes["assent.outcome"], "act");
    assert.equal(span.attributes["assent.node_id"], acted.decision.nodeId);
  });

  test("the decision record carries the trace id and the decision's span id", async () => {
    const slot = eventSpan("t-slot");
    const stored = await app.decisionsOf(SUBJECT, 10);
    assert.ok(stored.length >= 1);
    for (const { decisionId, traceId, spanId } of stored) {
      assert.equal(traceId, traceOf(slot), `decision ${decisionId} names the event's trace`);
      const span = only(
        spans().filter((each) => idOf(each) === spanId),
        "span with the recorded span id",
      );
      assert.equal(span.name, "assent.decision");
      assert.equal(span.attributes["assent.decision_id"], decisionId);
    }
  });

  test("the outbox delivery, done later by the worker, joins the decision's trace under its span", async () => {
    const delivery = only(delivered, "delivery");
    const stored = await app.decision(delivery.decisionId);
    const span = only(
      spans().filter((each) => each.name === "assent.outbox.deliver"),
      "delivery span",
    );
    assert.equal(traceOf(span), stored?.traceId);
    assert.equal(span.parentSpanContext?.spanId, stored?.spanId);
    assert.equal(span.attributes["assent.delivery_id"], delivery.deliveryId);
    assert.equal(span.attributes["assent.delivery_result"], "delivered");
  });

  test("no span attribute holds a personal value of the profile, the contact or the consent", () => {
    const personal = [...Object.values(PROFILE), ...Object.values(CONTACT), CONSENT.evidence];
    const recipients = delivered.map((delivery) => delivery.recipient);
    const values = spans().flatMap((span) => Object.values(span.attributes));
    assert.ok(values.length > 50);
    for (const value of values) {
      assert.ok(!personal.includes(value as never), `personal value ${String(value)} in a span`);
      assert.ok(!recipients.includes(value as never), "a recipient in a span");
      assert.ok(typeof value === "string", "attributes are ids and codes");
    }
  });

  test("with tracing off nothing is recorded and decisions carry no trace id", async () => {
    const quiet = createApp({
      store,
      deployment: loadDeploymentFromDir("examples"),
      clock: () => NOON,
      tracing: NO_TRACING,
    });
    const before = spans().length;
    await quiet.ingest([{ ...event("t-slot-2", "campaign.slot_opened") }]);
    assert.equal(spans().length, before);
    const [latest] = await quiet.decisionsOf(SUBJECT, 1);
    assert.equal(latest?.decision.eventId, "t-slot-2");
    assert.equal(latest?.traceId, undefined);
  });
});

describe("configuration by the standard OTEL_* variables", () => {
  test("off by default, and when disabled or set to none", () => {
    assert.deepEqual(tracesExportersOf({}), []);
    assert.deepEqual(tracesExportersOf({ OTEL_TRACES_EXPORTER: "none" }), []);
    const disabled = { OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" };
    assert.deepEqual(tracesExportersOf(disabled), []);
  });

  test("an OTLP endpoint alone turns OTLP export on; exporters may be listed", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
    assert.deepEqual(tracesExportersOf(endpoint), ["otlp"]);
    assert.deepEqual(tracesExportersOf({ OTEL_TRACES_EXPORTER: "otlp, console" }), [
      "otlp",
      "console",
    ]);
  });

  test("an unknown exporter, protocol or sampler is refused naming the variable", () => {
    assert.throws(
      () => tracesExportersOf({ OTEL_TRACES_EXPORTER: "zipkin" }),
      (error: unknown) =>
        error instanceof TracingConfigError && /OTEL_TRACES_EXPORTER: zipkin/.test(error.message),
    );
    assert.throws(
      () =>
        tracesExportersOf({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
      /OTEL_EXPORTER_OTLP_PROTOCOL: grpc/,
    );
    assert.throws(
      () => tracingSampler({ OTEL_TRACES_SAMPLER: "sometimes" }),
      /OTEL_TRACES_SAMPLER/,
    );
    const badRatio = { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" };
    assert.throws(() => tracingSampler(badRatio), /OTEL_TRACES_SAMPLER_ARG/);
  });

  test("a sampler that drops every trace records nothing and decisions keep no ids", async () => {
    const dropped = new InMemorySpanExporter();
    const off = createTracing({
      processors: [new SimpleSpanProcessor({ exporter: dropped })],
      env: { OTEL_TRACES_SAMPLER: "always_off" },
    });
    const sampledOut = createApp({
      store,
      deployment: loadDeploymentFromDir("examples"),
      clock: () => NOON,
      tracing: off,
    });
    await sampledOut.ingest([event("t-slot-3", "campaign.slot_opened")]);
    await off.shutdown();
    assert.equal(dropped.getFinishedSpans().length, 0);
    const [latest] = await sampledOut.decisionsOf(SUBJECT, 1);
    assert.equal(latest?.decision.eventId, "t-slot-3");
    assert.equal(latest?.traceId, undefined);
  });
});

/** What an OTLP/HTTP collector received: the JSON bodies posted to /v1/traces. */
async function withCollector(work: (endpoint: string) => Promise<void>): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const collector = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => {
      if (request.url === "/v1/traces") bodies.push(JSON.parse(text));
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((done) => collector.listen(0, "127.0.0.1", done));
  const { port } = collector.address() as AddressInfo;
  try {
    await work(`http://127.0.0.1:${port}`);
  } finally {
    collector.close();
  }
  return bodies;
}

/** Sets OTEL_* variables of the process for `work`, then puts them back. */
async function withEnv(vars: Record<string, string>, work: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe("OTLP export by the standard variables", () => {
  test("an OTLP endpoint and a service name send the event's trace to the collector", async () => {
    let traceId: string | undefined;
    const bodies = await withCollector((endpoint) =>
      withEnv(
        { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "assent-otlp" },
        async () => {
          const exported = tracingFromEnv();
          assert.equal(exported.enabled, true);
          const otlpApp = createApp({
            store,
            deployment: loadDeploymentFromDir("examples"),
            clock: () => NOON,
            tracing: exported,
          });
          await otlpApp.ingest([event("t-slot-otlp", "campaign.slot_opened")]);
          const [latest] = await otlpApp.decisionsOf(SUBJECT, 1);
          traceId = latest?.traceId;
          await exported.shutdown();
        },
      ),
    );
    const json = JSON.stringify(bodies);
    assert.ok(bodies.length >= 1, "the collector received spans");
    assert.match(json, /"stringValue":"assent-otlp"/);
    assert.ok(traceId !== undefined && json.includes(traceId), "the decision's trace was exported");
    for (const name of ["assent.event", "assent.decide", "assent.decision", "assent.log.append"]) {
      assert.ok(json.includes(`"name":"${name}"`), name);
    }
  });
});
