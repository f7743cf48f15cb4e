import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MAX_CLOCK_SKEW_MS } from "../../src/ingest/event-validation.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { checkReplayFile } from "../../src/replay/durable-replay.ts";
import { auth, eventBody, KEYS, onRealApp, type Problem } from "./support.ts";

/**
 * An event may not say it occurred more than MAX_CLOCK_SKEW_MS after the service received it:
 * an older event never overwrites a newer value, so one dated 2099 would freeze what it sets.
 */

const deployment = loadDeploymentFromDir("examples");
const NOW = Date.parse("2026-03-02T09:00:00Z");
const FAR = "2099-01-01T00:00:00Z";
const real = onRealApp("event-time", NOW);

function post(url: string, payload: string | object, headers: Record<string, string> = {}) {
  return real.server.inject({
    method: "POST",
    url,
    headers: { ...auth("ingest"), ...headers },
    payload,
  });
}

const isoAt = (ms: number) => new Date(ms).toISOString();

const recency = (id: string, value: number, occurredAt: string) =>
  eventBody({
    id,
    subjectId: "s-time-1",
    type: "retail.profile_refreshed",
    occurredAt,
    source: "crm",
    data: { "retail.recency": value },
  });

describe("an event dated after its receipt", () => {
  test("dated 2099 in a batch: 422 at /events/2/occurredAt saying what is accepted; nothing stored", async () => {
    const batch = {
      events: [
        recency("t-1", 3, isoAt(NOW - 60_000)),
        recency("t-2", 4, isoAt(NOW)),
        recency("t-3", 99, FAR),
      ],
    };
    const response = await post("/v1/events", batch);

    assert.equal(response.statusCode, 422);
    const problem: Problem = response.json();
    assert.equal(problem.code, "invalid_event");
    assert.deepEqual(problem.errors, [
      {
        pointer: "/events/2/occurredAt",
        detail:
          "occurredAt 2099-01-01T00:00:00.000Z is 72 years after this service received the event; at most 5 minutes ahead is accepted (clock skew)",
      },
    ]);
    const again = await post("/v1/events", recency("t-1", 3, isoAt(NOW - 60_000)));
    assert.equal(again.json()[0].status, "accepted", "the refused batch stored nothing");
  });

  test("a refused far-future value does not freeze the attribute: a value sent now is used", async () => {
    const frozen = await post("/v1/events", recency("t-4", 99, FAR));
    const now = await post("/v1/events", recency("t-5", 1, isoAt(NOW)));

    assert.equal(frozen.statusCode, 422);
    assert.equal(now.statusCode, 202);
    assert.equal((await real.store.profile("s-time-1")).get("retail.recency")?.value, 1);
  });

  test("an event 4 minutes ahead of the service's clock is accepted", async () => {
    const ahead = isoAt(NOW + 4 * 60_000);
    const response = await post("/v1/events", recency("t-6", 2, ahead));

    assert.equal(response.statusCode, 202);
    assert.equal(response.json()[0].status, "accepted");
    assert.ok(4 * 60_000 < MAX_CLOCK_SKEW_MS);
  });

  test("just over the tolerance is refused, and the detail does not read as the tolerance", async () => {
    const response = await post("/v1/events", recency("t-7", 2, isoAt(NOW + 330_000)));

    assert.equal(response.statusCode, 422);
    const [error] = (response.json() as Problem).errors;
    assert.equal(error?.pointer, "/occurredAt");
    assert.match(error?.detail ?? "", /is 5 minutes 30 seconds after this service received/);
  });

  test("with Sec-GPC: 1 the inserted signal shares the event's time and the problem is listed once", async () => {
    const response = await post("/v1/events", recency("t-8", 2, FAR), { "sec-gpc": "1" });

    assert.equal(response.statusCode, 422);
    const pointers = (response.json() as Problem).errors.map((error) => error.pointer);
    assert.deepEqual(pointers, ["/occurredAt"]);
  });

  test("POST /v1/decide refuses it the same way", async () => {
    const response = await real.server.inject({
      method: "POST",
      url: "/v1/decide",
      headers: auth("decide"),
      payload: recency("t-9", 2, FAR),
    });

    assert.equal(response.statusCode, 422);
    assert.deepEqual(
      (response.json() as Problem).errors.map((error) => error.pointer),
      ["/occurredAt"],
    );
  });

  test("a Segment call dated 2099 is refused at its timestamp", async () => {
    const call = {
      type: "track",
      event: "CSAT Received",
      userId: "s-time-2",
      messageId: "seg-1",
      timestamp: FAR,
      properties: { score: 2 },
    };
    const response = await post("/segment/v1/batch", {
      writeKey: KEYS.ingest.secret,
      batch: [{ ...call, messageId: "seg-0", timestamp: isoAt(NOW) }, call],
    });

    assert.equal(response.statusCode, 422);
    assert.deepEqual(
      (response.json() as Problem).errors.map((error) => error.pointer),
      ["/batch/1/timestamp"],
    );
  });

  test("a CloudEvent dated 2099 is refused at its time attribute", async () => {
    const cloudEvent = {
      specversion: "1.0",
      id: "ce-1",
      source: "support-desk",
      type: "ticket.csat_received",
      subject: "s-time-3",
      time: FAR,
      data: { "ticket.csat": 2 },
    };
    const response = await post("/v1/cloudevents", JSON.stringify(cloudEvent), {
      "content-type": "application/cloudevents+json",
    });

    assert.equal(response.statusCode, 422);
    assert.deepEqual(
      (response.json() as Problem).errors.map((error) => error.pointer),
      ["/time"],
    );
  });

  test("a replay receives each event at its own time, so a line dated 2099 is valid", async () => {
    const path = join(real.root, "replay.ndjson");
    writeFileSync(path, `${JSON.stringify({ kind: "event", event: recency("r-1", 7, FAR) })}\n`);

    const checked = await checkReplayFile(path, deployment.catalog);

    assert.equal(checked.count, 1);
    const [line] = checked.lines ?? [];
    assert.ok(line !== undefined && "valid" in line, "the line validated");
  });
});
