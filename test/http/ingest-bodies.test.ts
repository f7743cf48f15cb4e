import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { syntaxErrorOffset } from "../../src/http/json-body.ts";
import { auth, KEYS, onRealApp, type Problem } from "./support.ts";

/**
 * Every JSON body is read alike, whatever route and media type carry it (the CloudEvents types
 * too), and a batch with malformed items on the Segment and CloudEvents routes names every bad
 * field of every item in one answer, as `POST /v1/events` does. Over the real application.
 */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const FAR = "2099-01-01T00:00:00Z";
const real = onRealApp("ingest-bodies", NOW);

const STRUCTURED = { "content-type": "application/cloudevents+json" };
const BATCH = { "content-type": "application/cloudevents-batch+json" };
const JSON_TYPE = { "content-type": "application/json" };

async function post(url: string, payload: string | Buffer, headers: Record<string, string>) {
  const response = await real.server.inject({
    method: "POST",
    url,
    headers: { ...auth("ingest"), ...headers },
    payload,
  });
  return { status: response.statusCode, problem: response.json() as Problem, body: response.body };
}

function cloudEvent(id: string, overrides: Record<string, unknown> = {}) {
  return {
    specversion: "1.0",
    id,
    source: "support-desk",
    type: "ticket.csat_received",
    subject: `s-${id}`,
    time: "2026-03-02T08:59:00Z",
    data: { "ticket.csat": 2 },
    ...overrides,
  };
}

function call(messageId: string, overrides: Record<string, unknown> = {}) {
  return {
    type: "track",
    event: "CSAT Received",
    userId: `s-${messageId}`,
    messageId,
    timestamp: "2026-03-02T08:59:00Z",
    properties: { score: 2 },
    ...overrides,
  };
}

const segmentBatch = (batch: readonly unknown[]) =>
  JSON.stringify({ writeKey: KEYS.ingest.secret, batch });

const pointers = (problem: Problem) => problem.errors.map(({ pointer }) => pointer);

async function nothingStored(...subjects: string[]) {
  for (const subject of subjects) {
    assert.deepEqual(await real.store.eventsOf(subject), [], subject);
  }
}

describe("CloudEvents bodies are read as /v1/events bodies are", () => {
  for (const headers of [STRUCTURED, BATCH]) {
    const media = headers["content-type"];

    test(`${media} with Content-Encoding gzip: 415 naming the encoding`, async () => {
      const body = gzipSync(JSON.stringify(cloudEvent("gz")));
      const answer = await post("/v1/cloudevents", body, {
        ...headers,
        "content-encoding": "gzip",
      });

      assert.equal(answer.status, 415);
      assert.equal(answer.problem.code, "unsupported_media_type");
      assert.match(answer.problem.detail, /Content-Encoding gzip/);
      assert.deepEqual(answer.problem.errors, [
        { pointer: "/headers/content-encoding", detail: "no Content-Encoding, or identity" },
      ]);
    });

    test(`${media} with a syntax error: placed by line and column, nothing quoted`, async () => {
      const answer = await post("/v1/cloudevents", '{"id": "ada@example.com",\n "a": x}', headers);

      assert.equal(answer.status, 400);
      assert.equal(answer.problem.code, "malformed_json");
      assert.deepEqual(answer.problem.errors, [
        { pointer: "", detail: "valid JSON (unexpected token at line 2, column 7)" },
      ]);
      assert.doesNotMatch(answer.body, /ada@example/);
    });

    test(`${media} with a __proto__ key: refused as such, not as a syntax error`, async () => {
      const answer = await post("/v1/cloudevents", '{"__proto__": {"admin": true}}', headers);

      assert.equal(answer.status, 400);
      assert.match(answer.problem.detail, /well-formed JSON but has a __proto__/);
      assert.equal(answer.problem.errors.length, 1);
    });
  }
});

describe("a JSON syntax error V8 gives no position for is placed by a second parse", () => {
  const cases = [
    { body: '{"a": x}', place: "line 1, column 7" },
    { body: '{"a":NaN}', place: "line 1, column 6" },
    { body: "[1,\n 2,,\n 3]", place: "line 2, column 4" },
    { body: "hello", place: "line 1, column 1" },
  ];
  for (const { body, place } of cases) {
    test(`${JSON.stringify(body)}: unexpected token at ${place}`, async () => {
      const answer = await post("/v1/events", body, JSON_TYPE);

      assert.equal(answer.status, 400);
      assert.equal(
        answer.problem.detail,
        `the body is not valid JSON: unexpected token at ${place}`,
      );
      assert.deepEqual(answer.problem.errors, [
        { pointer: "", detail: `valid JSON (unexpected token at ${place})` },
      ]);
      assert.doesNotMatch(answer.body, /NaN|hello|x}/);
    });
  }

  test("the second parse agrees with JSON.parse on valid text and finds no error in it", () => {
    const valid = ['{"a": [1, -2.5e3, "q\\"\\u00e9", true, null, {}], "b": []}', " 0 ", '""'];
    for (const text of valid) assert.equal(syntaxErrorOffset(text), -1, text);
    assert.equal(syntaxErrorOffset('{"a": [1, 2'), 11);
    assert.equal(syntaxErrorOffset('{"a": 1} x'), 9);
    assert.equal(syntaxErrorOffset('{"a": 1 /* c */}'), 8);
  });
});

describe("every 415 names what the route reads", () => {
  test("text/plain on /v1/events: one entry at the Content-Type header", async () => {
    const answer = await post("/v1/events", "{}", { "content-type": "text/plain" });

    assert.equal(answer.status, 415);
    assert.deepEqual(answer.problem.errors, [
      { pointer: "/headers/content-type", detail: "application/json" },
    ]);
  });

  test("text/plain on /v1/cloudevents: the CloudEvents media types and binary mode", async () => {
    const answer = await post("/v1/cloudevents", "{}", { "content-type": "text/plain" });

    assert.equal(answer.status, 415);
    assert.equal(answer.problem.errors.length, 1);
    const [entry] = answer.problem.errors;
    assert.equal(entry?.pointer, "/headers/content-type");
    for (const named of [
      "application/cloudevents+json",
      "application/cloudevents-batch+json",
      "application/json with ce- headers",
    ]) {
      assert.ok(entry?.detail.includes(named), named);
      assert.ok(answer.problem.detail.includes(named), named);
    }
  });
});

describe("a batch with malformed items lists every bad field, in item order", () => {
  test("CloudEvents batch: the malformed event's and the others' catalog problems in one 400", async () => {
    const batch = [
      cloudEvent("ceb-0", { time: FAR }),
      cloudEvent("ceb-1", { subject: undefined }),
      cloudEvent("ceb-2", { data: { "ticket.csat": "two" } }),
      cloudEvent("ceb-3"),
    ];
    const answer = await post("/v1/cloudevents", JSON.stringify(batch), BATCH);

    assert.equal(answer.status, 400);
    assert.equal(answer.problem.code, "invalid_request");
    assert.deepEqual(pointers(answer.problem), ["/0/time", "/1/subject", "/2/data/ticket.csat"]);
    assert.match(answer.problem.detail, /3 fields are wrong \(2 of them against the catalog\)/);
    await nothingStored("s-ceb-0", "s-ceb-1", "s-ceb-2", "s-ceb-3");
  });

  test("CloudEvents batch: an item the SDK cannot read is named at its attribute", async () => {
    const batch = [cloudEvent("ces-0", { source: "" }), cloudEvent("ces-1", { time: FAR })];
    const answer = await post("/v1/cloudevents", JSON.stringify(batch), BATCH);

    assert.equal(answer.status, 400);
    assert.deepEqual(pointers(answer.problem), ["/0/source", "/1/time"]);
    await nothingStored("s-ces-0", "s-ces-1");
  });

  test("Segment batch: a malformed call and the others' catalog problems in one 400", async () => {
    const batch = [
      call("sgb-0", {
        type: "identify",
        event: undefined,
        properties: undefined,
        traits: { plan: 5 },
      }),
      call("sgb-1", { messageId: 7 }),
      call("sgb-2", { timestamp: FAR }),
      call("sgb-3"),
    ];
    const answer = await post("/segment/v1/batch", segmentBatch(batch), JSON_TYPE);

    assert.equal(answer.status, 400);
    assert.equal(answer.problem.code, "invalid_request");
    assert.deepEqual(pointers(answer.problem), [
      "/batch/0/traits/plan",
      "/batch/1/messageId",
      "/batch/2/timestamp",
    ]);
    assert.match(answer.problem.detail, /3 fields are wrong \(2 of them against the catalog\)/);
    await nothingStored("s-sgb-0", "s-sgb-1", "s-sgb-2", "s-sgb-3");
  });

  test("Segment batch with Sec-GPC: the signals' problems are named once, at the call", async () => {
    const batch = [call("sgg-0", { userId: 3 }), call("sgg-1", { timestamp: FAR })];
    const headers = { ...JSON_TYPE, "sec-gpc": "1" };
    const answer = await post("/segment/v1/batch", segmentBatch(batch), headers);

    assert.equal(answer.status, 400);
    assert.deepEqual(pointers(answer.problem), ["/batch/0/userId", "/batch/1/timestamp"]);
    await nothingStored("s-sgg-1");
  });
});

describe("an event time too far ahead is named by the sender's own field", () => {
  const noOccurredAt = (problem: Problem, name: string) => {
    const [entry] = problem.errors;
    assert.doesNotMatch(entry?.detail ?? "", /occurredAt/);
    assert.match(entry?.detail ?? "", new RegExp(`^${name} 2099`));
  };

  test("Segment: timestamp, in a batch and on a call's own route", async () => {
    const batch = await post(
      "/segment/v1/batch",
      segmentBatch([call("sgt-0", { timestamp: FAR })]),
      JSON_TYPE,
    );
    const basic = `Basic ${Buffer.from(`${KEYS.ingest.secret}:`).toString("base64")}`;
    const single = await post(
      "/segment/v1/track",
      JSON.stringify(call("sgt-1", { timestamp: FAR })),
      {
        ...JSON_TYPE,
        authorization: basic,
      },
    );

    assert.deepEqual(pointers(batch.problem), ["/batch/0/timestamp"]);
    noOccurredAt(batch.problem, "timestamp");
    assert.equal(single.status, 422);
    assert.deepEqual(pointers(single.problem), ["/timestamp"]);
    noOccurredAt(single.problem, "timestamp");
  });

  test("CloudEvents: time in structured and batched mode, ce-time in binary mode", async () => {
    const structured = await post(
      "/v1/cloudevents",
      JSON.stringify(cloudEvent("cet-0", { time: FAR })),
      STRUCTURED,
    );
    const batch = await post(
      "/v1/cloudevents",
      JSON.stringify([cloudEvent("cet-1", { time: FAR })]),
      BATCH,
    );
    const binary = await post("/v1/cloudevents", JSON.stringify({ "ticket.csat": 2 }), {
      ...JSON_TYPE,
      "ce-specversion": "1.0",
      "ce-id": "cet-2",
      "ce-source": "support-desk",
      "ce-type": "ticket.csat_received",
      "ce-subject": "s-cet-2",
      "ce-time": FAR,
    });

    assert.deepEqual(pointers(structured.problem), ["/time"]);
    noOccurredAt(structured.problem, "time");
    assert.deepEqual(pointers(batch.problem), ["/0/time"]);
    noOccurredAt(batch.problem, "time");
    assert.equal(binary.status, 422);
    assert.deepEqual(pointers(binary.problem), ["/headers/ce-time"]);
    noOccurredAt(binary.problem, "ce-time");
  });
});

describe("a body nested deeper than the second parse can walk", () => {
  test("is still refused as malformed JSON, without a place and without the body", async () => {
    const answer = await post("/v1/events", `${"[".repeat(100_000)}x`, JSON_TYPE);

    assert.equal(answer.status, 400);
    assert.equal(answer.problem.code, "malformed_json");
    assert.equal(answer.problem.detail, "the body is not valid JSON: an unexpected token");
  });
});
