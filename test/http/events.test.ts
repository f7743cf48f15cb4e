import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { AppError } from "../../src/app/errors.ts";
import { auth, callsOf, eventBody, harness } from "./support.ts";

/** POST /v1/events and POST /v1/decide: what is accepted and how each bad input is refused. */

const json = { ...auth("ingest"), "content-type": "application/json" };

function pointers(body: string): string[] {
  const problem: { errors: { pointer: string }[] } = JSON.parse(body);
  return problem.errors.map((error) => error.pointer);
}

describe("POST /v1/events", () => {
  test("one event is answered 202 with its outcome and reaches the app with defaults", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody(),
    });

    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), [{ eventId: "e-1", status: "accepted", decisions: [] }]);
    const [ingest] = callsOf(calls, "ingest");
    assert.deepEqual(ingest?.args[0], [{ ...eventBody(), schemaVersion: 1 }]);
  });

  test("a batch is answered with one outcome per event, in order", async () => {
    const { server } = harness();
    const events = [eventBody({ id: "a" }), eventBody({ id: "b" }), eventBody({ id: "c" })];
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: { events },
    });

    assert.equal(response.statusCode, 202);
    assert.deepEqual(
      response.json().map((outcome: { eventId: string }) => outcome.eventId),
      ["a", "b", "c"],
    );
  });

  test("a duplicate event id is acknowledged as duplicate, not refused", async () => {
    const { server } = harness({
      ingest: async () => [{ eventId: "e-1", status: "duplicate", decisions: [] }],
    });
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody(),
    });

    assert.equal(response.statusCode, 202);
    assert.equal(response.json()[0].status, "duplicate");
  });

  test("malformed JSON is refused with 400 malformed_json and nothing is ingested", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: json,
      payload: '{"id": "e-1", "type": ',
    });

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, "malformed_json");
    assert.equal(
      response.json().detail,
      "the body is not valid JSON: it ends before the document is complete",
    );
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("a JSON syntax error is placed by line and column, and no piece of the body is quoted", async () => {
    const { server, calls } = harness();
    const payload = '{"id": "e-1",\n "type": "ada@example.com",,\n}';
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: json,
      payload,
    });

    assert.equal(response.statusCode, 400);
    // The second comma of line 2 is its 28th character.
    const detail =
      "the body is not valid JSON: expected double-quoted property name at line 2, column 28";
    assert.equal(response.json().detail, detail);
    assert.deepEqual(response.json().errors, [
      {
        pointer: "",
        detail: "valid JSON (expected double-quoted property name at line 2, column 28)",
      },
    ]);
    assert.doesNotMatch(response.body, /ada@example/);
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("well-formed JSON with a __proto__ key is refused as such, not as a syntax error", async () => {
    const { server } = harness();
    const payload = '{"id": "e-1", "__proto__": {"admin": true}}';
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: json,
      payload,
    });

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, "malformed_json");
    assert.match(response.json().detail, /well-formed JSON but has a __proto__/);
  });

  test("a compressed body is answered 415 naming its encoding, not read as broken JSON", async () => {
    const { server, calls } = harness();
    const headers = { ...json, "content-encoding": "gzip" };
    const payload = gzipSync('{"id": "e-1"}');
    const response = await server.inject({ method: "POST", url: "/v1/events", headers, payload });

    assert.equal(response.statusCode, 415);
    assert.equal(response.json().code, "unsupported_media_type");
    assert.equal(
      response.json().detail,
      "a body with Content-Encoding gzip is not accepted; send it uncompressed",
    );
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("wrong field types are each named by a JSON pointer with what was expected", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ occurredAt: "yesterday", schemaVersion: "one", data: [] }),
    });

    assert.equal(response.statusCode, 400);
    const problem = response.json();
    assert.equal(problem.code, "invalid_request");
    assert.deepEqual(pointers(response.body).sort(), ["/data", "/occurredAt", "/schemaVersion"]);
    const details = new Map(
      problem.errors.map((e: { pointer: string; detail: string }) => [e.pointer, e.detail]),
    );
    assert.deepEqual(Object.fromEntries(details), {
      "/occurredAt": "an ISO 8601 date-time with its offset, e.g. 2025-01-06T09:00:00Z",
      "/schemaVersion": "a number, not a string",
      "/data": "an object, not an array",
    });
  });

  test("a missing subject is reported at /subjectId as required", async () => {
    const { server } = harness();
    const { subjectId: _, ...body } = eventBody();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: body,
    });

    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().errors, [
      { pointer: "/subjectId", detail: "a string (it is missing)" },
    ]);
  });

  test("an unknown field is reported at its own pointer", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ extra: 1 }),
    });

    assert.deepEqual(pointers(response.body), ["/extra"]);
  });

  test("an unknown event type is the app's 422 unknown_event_type with its field", async () => {
    const { server } = harness({
      ingest: async () => {
        throw new AppError("unknown_event_type", "the catalog declares no such event type", [
          { pointer: "/type", expected: "an event type declared in the catalog" },
        ]);
      },
    });
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ type: "claim.teleported" }),
    });

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().code, "unknown_event_type");
    assert.deepEqual(response.json().errors, [
      { pointer: "/type", detail: "an event type declared in the catalog" },
    ]);
  });

  test("a batch with invalid events stores nothing and lists every bad field", async () => {
    const { server, calls } = harness();
    const events = [
      eventBody({ id: "a" }),
      eventBody({ id: "b", occurredAt: "not a time" }),
      eventBody({ id: "c" }),
      eventBody({ id: "d", subjectId: 42 }),
    ];
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: { events },
    });

    assert.equal(response.statusCode, 400);
    assert.deepEqual(pointers(response.body), ["/events/1/occurredAt", "/events/3/subjectId"]);
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("a batch with malformed and uncatalogued events names both kinds in one 400, in event order", async () => {
    const uncatalogued = { pointer: "/type", expected: "an event type declared in the catalog" };
    const { server, calls } = harness({
      validate: async (events, base = () => "") =>
        events.flatMap((event, index) =>
          event.type === "claim.teleported"
            ? [{ ...uncatalogued, pointer: `${base(index)}${uncatalogued.pointer}` }]
            : [],
        ),
    });
    const events = [
      eventBody({ id: "a", occurredAt: "soon" }),
      eventBody({ id: "b", type: "claim.teleported" }),
      eventBody({ id: "c", subjectId: 42 }),
      eventBody({ id: "d" }),
    ];
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: { events },
    });

    assert.equal(response.statusCode, 400);
    const problem = response.json();
    assert.equal(problem.code, "invalid_request");
    assert.equal(
      problem.detail,
      "the batch is not valid: 3 fields are wrong (1 of them against the catalog); nothing was stored",
    );
    assert.deepEqual(pointers(response.body), [
      "/events/0/occurredAt",
      "/events/1/type",
      "/events/2/subjectId",
    ]);
    const [validate] = callsOf(calls, "validate");
    const checked = (validate?.args[0] ?? []) as { id: string }[];
    assert.deepEqual(
      checked.map((event) => event.id),
      ["b", "d"],
      "only the well-formed events are checked against the catalog",
    );
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("a malformed batch with Sec-GPC names the sender's events, not the signals", async () => {
    const { server } = harness({
      validate: async (events, base = () => "") =>
        events.flatMap((event, index) =>
          event.type === "gpc.signal" ? [] : [{ pointer: `${base(index)}/type`, expected: "x" }],
        ),
    });
    const events = [eventBody({ id: "a", source: "" }), eventBody({ id: "b", subjectId: "s-2" })];
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...auth("ingest"), "sec-gpc": "1" },
      payload: { events },
    });

    assert.equal(response.statusCode, 400);
    assert.deepEqual(pointers(response.body), ["/events/0/source", "/events/1/type"]);
  });

  test("an empty batch and a batch over 1,000 events are refused at /events", async () => {
    const { server, calls } = harness();
    for (const events of [[], Array.from({ length: 1001 }, (_, i) => eventBody({ id: `e${i}` }))]) {
      const response = await server.inject({
        method: "POST",
        url: "/v1/events",
        headers: auth("ingest"),
        payload: { events },
      });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(pointers(response.body), ["/events"]);
      assert.equal(callsOf(calls, "validate").length, 0, "a list that is wrong is not read");
    }
  });

  test("a body over the limit is refused with 413 payload_too_large and the server serves on", async () => {
    const { server, calls } = harness();
    const big = eventBody({ data: { blob: "x".repeat(1_100_000) } });
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: big,
    });

    assert.equal(response.statusCode, 413);
    assert.equal(response.json().code, "payload_too_large");
    assert.equal(callsOf(calls, "ingest").length, 0);

    const next = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody(),
    });
    assert.equal(next.statusCode, 202);
  });

  test("the body limit comes from configuration", async () => {
    const { server } = harness({}, { bodyLimit: 2048 });
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ data: { blob: "x".repeat(3000) } }),
    });

    assert.equal(response.statusCode, 413);
    assert.match(response.json().detail, /2048 bytes/);
  });

  test("a body that is not application/json is refused with 415", async () => {
    const { server } = harness();
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const response = await server.inject({
        method: "POST",
        url: "/v1/events",
        headers: { ...auth("ingest"), "content-type": contentType },
        payload: JSON.stringify(eventBody()),
      });
      assert.equal(response.statusCode, 415, contentType);
      assert.equal(response.json().code, "unsupported_media_type");
    }
  });

  test("a JSON array is neither an event nor a batch", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: json,
      payload: JSON.stringify([eventBody()]),
    });

    assert.equal(response.statusCode, 400);
    assert.deepEqual(pointers(response.body), [""]);
  });
});

describe("POST /v1/decide", () => {
  test("a dry run answers the decisions with explanations and ingests nothing", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/decide",
      headers: auth("decide"),
      payload: eventBody(),
    });

    assert.equal(response.statusCode, 200);
    const [decision] = response.json();
    assert.equal(decision.decidedAt, "2026-03-02T09:00:00.000Z");
    assert.equal(decision.steps[0].step, "trigger");
    assert.match(decision.sentence, /^We contacted you/);
    assert.equal(callsOf(calls, "dryRun").length, 1);
    assert.equal(callsOf(calls, "ingest").length, 0);
  });

  test("a batch is not accepted for a dry run", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/decide",
      headers: auth("decide"),
      payload: { events: [eventBody()] },
    });

    assert.equal(response.statusCode, 400);
    assert.ok(pointers(response.body).includes("/events"));
    assert.equal(calls.length, 0);
  });
});
