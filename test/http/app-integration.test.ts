import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import type { HttpServer } from "../../src/http/server.ts";
import { createHttpServer } from "../../src/http/server.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { auth, type CapturedLogs, captureLogs, consentBody, eventBody, KEYS } from "./support.ts";

/** The HTTP API over the real application, the starter playbooks and a SQLite file. */

const root = mkdtempSync(join(tmpdir(), "assent-http-"));
const NOW = Date.parse("2026-03-02T09:00:00Z");
let store: Store;
let server: HttpServer;
let logs: CapturedLogs;

before(async () => {
  store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  const captured = captureLogs();
  logs = captured;
  const deployment = loadDeploymentFromDir("examples");
  const app = createApp({ store, deployment, clock: () => NOW, logger: captured.logger });
  const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
  server = createHttpServer({ app, config: { keys }, logger: captured.logger });
});

after(async () => {
  await server.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

function post(payload: Record<string, unknown>) {
  return server.inject({ method: "POST", url: "/v1/events", headers: auth("ingest"), payload });
}

const claim = (id: string, subjectId = "s-int-1") =>
  eventBody({ id, subjectId, data: { "claim.amount": 1200, "claim.status": "open" } });

describe("HTTP over the real application", () => {
  test("readyz is 200 when the store answers", async () => {
    const response = await server.inject({ method: "GET", url: "/readyz" });
    assert.equal(response.statusCode, 200);
  });

  test("an event is accepted once and a re-sent id is a duplicate", async () => {
    const first = await post(claim("int-e-1"));
    const again = await post(claim("int-e-1"));

    assert.equal(first.statusCode, 202);
    assert.equal(first.json()[0].status, "accepted");
    assert.equal(again.statusCode, 202);
    assert.equal(again.json()[0].status, "duplicate");
  });

  test("an unknown event type is 422 at /type for one event and /events/1/type in a batch", async () => {
    const single = await post(eventBody({ id: "int-e-2", type: "claim.teleported" }));
    assert.equal(single.statusCode, 422);
    assert.equal(single.json().code, "unknown_event_type");
    assert.deepEqual(
      single.json().errors.map((e: { pointer: string }) => e.pointer),
      ["/type"],
    );

    const batch = await post({
      events: [claim("int-e-3"), eventBody({ id: "int-e-4", type: "x.y" })],
    });
    assert.equal(batch.statusCode, 422);
    assert.deepEqual(
      batch.json().errors.map((e: { pointer: string }) => e.pointer),
      ["/events/1/type"],
    );
  });

  test("a refused batch stored nothing: its valid event is accepted afterwards", async () => {
    await post({ events: [claim("int-e-5"), eventBody({ id: "int-e-6", occurredAt: "soon" })] });
    const response = await post(claim("int-e-5"));

    assert.equal(response.json()[0].status, "accepted");
  });

  test("a batch with malformed and uncatalogued events names every bad field in one 400 and stores nothing", async () => {
    const response = await post({
      events: [
        eventBody({ id: "int-m-1", subjectId: 42, occurredAt: "soon" }),
        eventBody({ id: "int-m-2", type: "claim.teleported" }),
        claim("int-m-3"),
        eventBody({ id: "int-m-4", data: { "claim.amount": "lots", "shoe.size": 42 } }),
      ],
    });

    assert.equal(response.statusCode, 400);
    const problem = response.json();
    assert.equal(problem.code, "invalid_request");
    assert.match(problem.detail, /5 fields are wrong \(3 of them against the catalog\); nothing/);
    assert.deepEqual(problem.errors, [
      { pointer: "/events/0/subjectId", detail: "a string, not a number" },
      {
        pointer: "/events/0/occurredAt",
        detail: "an ISO 8601 date-time with its offset, e.g. 2025-01-06T09:00:00Z",
      },
      { pointer: "/events/1/type", detail: "an event type declared in the catalog's events" },
      { pointer: "/events/3/data/claim.amount", detail: "a finite number" },
      {
        pointer: "/events/3/data/shoe.size",
        detail:
          "one of the attributes claim.opened v1 may set: claim.amount, claim.next_step, claim.status",
      },
    ]);
    const again = await post(claim("int-m-3"));
    assert.equal(again.json()[0].status, "accepted", "the batch's valid event was not stored");
  });

  test("a lone event is refused alike by /v1/events and /v1/decide: 400 if malformed, else 422", async () => {
    const malformed = eventBody({ id: "int-d-1", type: "claim.teleported", subjectId: 42 });
    const uncatalogued = eventBody({ id: "int-d-2", type: "claim.teleported" });
    for (const [payload, status, code] of [
      [malformed, 400, "invalid_request"],
      [uncatalogued, 422, "unknown_event_type"],
    ] as const) {
      const ingest = await post(payload);
      const decide = await server.inject({
        method: "POST",
        url: "/v1/decide",
        headers: auth("decide"),
        payload,
      });
      for (const response of [ingest, decide]) {
        assert.equal(response.statusCode, status);
        assert.equal(response.json().code, code);
      }
      assert.deepEqual(decide.json().errors, ingest.json().errors);
    }
  });

  test("a recorded decision is read back with its steps and sentence", async () => {
    const csat = eventBody({
      id: "int-e-7",
      subjectId: "s-int-2",
      type: "ticket.csat_received",
      data: { "ticket.csat": 1, "ticket.category": "billing" },
    });
    const ingested = await post(csat);
    const [summary] = ingested.json()[0].decisions;
    assert.ok(summary !== undefined, "a low CSAT reaches the service recovery node");

    const response = await server.inject({
      method: "GET",
      url: `/v1/decisions/${summary.decisionId}`,
      headers: auth("read"),
    });
    assert.equal(response.statusCode, 200);
    const { decision } = response.json();
    assert.equal(decision.nodeId, summary.nodeId);
    assert.ok(decision.steps.length > 0);
    assert.match(decision.sentence, /\w/);
    assert.match(decision.decidedAt, /^2026-03-02T09:00:00/);

    const listed = await server.inject({
      method: "GET",
      url: "/v1/subjects/s-int-2/decisions",
      headers: auth("read"),
    });
    assert.deepEqual(
      listed.json().map((stored: { decisionId: string }) => stored.decisionId),
      [summary.decisionId],
    );
  });

  test("a recorded consent is in the subject's consent view, and not before it was captured", async () => {
    const recorded = await server.inject({
      method: "POST",
      url: "/v1/subjects/s-int-3/consent",
      headers: auth("consent"),
      payload: consentBody({ capturedAt: "2026-03-01T10:00:00Z" }),
    });
    assert.equal(recorded.statusCode, 201);

    const read = (query: string) =>
      server.inject({
        method: "GET",
        url: `/v1/subjects/s-int-3/consent${query}`,
        headers: auth("read"),
      });
    const now = await read("");
    const before = await read("?asOf=2026-02-01T00:00:00Z");
    assert.deepEqual(
      now.json().records.map((r: { id: string }) => r.id),
      [recorded.json().id],
    );
    assert.equal(now.json().records[0].capturedAt, "2026-03-01T10:00:00.000Z");
    assert.deepEqual(before.json().records, []);
  });

  test("settling an unknown review is a 404 problem", async () => {
    const response = await server.inject({
      method: "POST",
      url: "/v1/reviews/no-such-review/approve",
      headers: auth("review"),
    });

    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, "not_found");
  });

  test("personal data sent in events reaches no log line of the app or the API", async () => {
    const personal = { email: "jane.doe@example.com", phone: "+44 7700 900123", name: "Jane Doe" };
    await post(eventBody({ id: "int-e-8", data: personal }));
    await post({ events: [claim("int-e-9"), eventBody({ id: "int-e-10", data: personal })] });

    const output = logs.raw.join("");
    for (const value of Object.values(personal)) {
      assert.ok(!output.includes(value), `the log holds ${value}`);
    }
  });
});
