import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addTimerGauges, createMetrics } from "../../src/observability/metrics.ts";
import { auth, callsOf, harness, T0 } from "../http/support.ts";

/** A subject's pending timers over HTTP, and the timer gauges for Prometheus. */

describe("GET /v1/subjects/:id/timers", () => {
  test("lists the subject's pending timers with why each exists, instants in ISO 8601", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/subjects/s-7/timers",
      headers: auth("read"),
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), [
      {
        timerId: "t-1",
        nodeId: "claim-status-day-3",
        kind: "delay",
        dueAt: new Date(T0 + 72 * 3_600_000).toISOString(),
        why: "3d after claim.opened e-1, unless claim.closed first",
        eventId: "e-1",
        createdAt: new Date(T0).toISOString(),
      },
    ]);
    assert.deepEqual(callsOf(calls, "timersOf")[0]?.args, ["s-7"]);
  });

  test("needs the read scope", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/subjects/s-7/timers",
      headers: auth("ingest"),
    });
    assert.equal(response.statusCode, 403);
    assert.equal(callsOf(calls, "timersOf").length, 0);
  });
});

describe("timer gauges", () => {
  test("pending timers and the lag of the oldest due one, from the store's timer stats", async () => {
    const metrics = createMetrics({ runtime: false });
    const now = T0 + 7_200_000;
    const asked: number[] = [];
    addTimerGauges(
      metrics,
      async (at) => {
        asked.push(at);
        return { pending: 3, oldestDueAt: T0 };
      },
      () => now,
    );
    const text = await metrics.scrape();
    assert.match(text, /\nassent_timers_pending 3\n/);
    assert.match(text, /\nassent_timer_lag_seconds 7200\n/);
    assert.deepEqual(asked, [now]);
  });
});
