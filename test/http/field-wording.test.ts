import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auth, eventBody, onRealApp, type Problem } from "./support.ts";

/** A refusal says what was expected in plain words: no library text, counts that agree. */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const real = onRealApp("field-wording", NOW);

const errorsOf = (body: string) => (JSON.parse(body) as Problem).errors;

function postEvents(payload: object) {
  return real.server.inject({
    method: "POST",
    url: "/v1/events",
    headers: auth("ingest"),
    payload,
  });
}

describe("what a refusal says", () => {
  test("a limit that is not a number asks for a number; a fraction for a whole number", async () => {
    const words: Record<string, string> = { abc: "a number", "1.5": "a whole number" };
    for (const [limit, detail] of Object.entries(words)) {
      const response = await real.server.inject({
        method: "GET",
        url: `/v1/subjects/s-1/decisions?limit=${limit}`,
        headers: auth("read"),
      });
      assert.equal(response.statusCode, 400, limit);
      assert.deepEqual(errorsOf(response.body), [{ pointer: "/limit", detail }]);
    }
  });

  test("a fractional schemaVersion asks for a whole number", async () => {
    const response = await postEvents(eventBody({ id: "w-1", schemaVersion: 1.5 }));

    assert.equal(response.statusCode, 400);
    assert.deepEqual(errorsOf(response.body), [
      { pointer: "/schemaVersion", detail: "a whole number" },
    ]);
  });

  test("data on an event type that sets no attributes says so", async () => {
    const slot = eventBody({ id: "w-2", type: "campaign.slot_opened", data: { "x.y": 1 } });
    const response = await postEvents(slot);

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().detail, "1 field is wrong in 1 event; nothing was stored");
    assert.deepEqual(errorsOf(response.body), [
      { pointer: "/data/x.y", detail: "no data: campaign.slot_opened v1 sets no attributes" },
    ]);
  });

  test("a refused batch counts its fields and events in words that agree", async () => {
    const response = await postEvents({
      events: [
        eventBody({ id: "w-3", data: { "claim.amount": "many" } }),
        eventBody({ id: "w-4", schemaVersion: 2, data: { "x.y": 1 } }),
      ],
    });

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().detail, "3 fields are wrong in 2 events; nothing was stored");
  });
});
