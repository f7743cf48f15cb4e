import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validate as isUuid, version as uuidVersion } from "uuid";
import { auth, eventBody, harness, requestLine } from "./support.ts";

/** Every failure is an RFC 9457 problem document whose errorId finds its log line. */

describe("problem documents", () => {
  test("a validation failure has the full problem shape", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ occurredAt: 7 }),
    });

    assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
    const problem = response.json();
    assert.deepEqual(Object.keys(problem).sort(), [
      "code",
      "detail",
      "errorId",
      "errors",
      "status",
      "title",
      "type",
    ]);
    assert.equal(problem.type, "https://assent.dev/problems/invalid_request");
    assert.equal(problem.title, "The request body or parameters are not valid");
    assert.equal(problem.status, 400);
    assert.equal(problem.detail, "the event is not valid: 1 field is wrong");
    assert.ok(isUuid(problem.errorId) && uuidVersion(problem.errorId) === 7);
    assert.deepEqual(problem.errors, [
      { pointer: "/occurredAt", detail: "a string, not a number" },
    ]);
  });

  test("the errorId is the one in the request's log line", async () => {
    const { server, logs } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ subjectId: "" }),
    });

    const reqId = String(response.headers["x-request-id"]);
    const line = requestLine(logs, reqId);
    assert.equal(line.errorId, response.json().errorId);
    assert.equal(line.code, "invalid_request");
    assert.equal(line.statusCode, 400);
    assert.equal(line.level, "info");
  });

  test("an unknown route is a 404 problem", async () => {
    const { server, logs } = harness();
    const response = await server.inject({ method: "GET", url: "/v1/nothing-here?x=1" });

    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, "not_found");
    const line = requestLine(logs, String(response.headers["x-request-id"]));
    assert.equal(line.errorId, response.json().errorId);
    assert.equal(line.route, null);
  });

  test("an unexpected throw is a 500 with only the errorId, and the server serves on", async () => {
    const { server, logs } = harness({
      decision: async () => {
        throw new TypeError("cannot read row 17 of subject s-1 for jane@example.com");
      },
    });
    const response = await server.inject({
      method: "GET",
      url: "/v1/decisions/d-1",
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 500);
    const problem = response.json();
    assert.equal(problem.code, "internal");
    assert.ok(!response.body.includes("cannot read"));
    assert.deepEqual(problem.errors, []);

    const line = requestLine(logs, String(response.headers["x-request-id"]));
    assert.equal(line.level, "error");
    assert.equal(line.errorId, problem.errorId);
    assert.equal(line.errorName, "TypeError");
    assert.ok(Array.isArray(line.frames) && line.frames.length > 0);
    assert.ok(!logs.raw.join("").includes("jane@example.com"));

    const next = await server.inject({
      method: "GET",
      url: "/v1/reviews",
      headers: auth("review"),
    });
    assert.equal(next.statusCode, 200);
  });

  test("a thrown non-Error is a 500 too", async () => {
    const { server } = harness({
      reviews: async () => {
        throw "a string, not an Error";
      },
    });
    const response = await server.inject({
      method: "GET",
      url: "/v1/reviews",
      headers: auth("review"),
    });

    assert.equal(response.statusCode, 500);
    assert.ok(!response.body.includes("a string"));
  });

  test("each failure in a row gets its own errorId", async () => {
    const { server } = harness();
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await server.inject({ method: "GET", url: "/v1/decisions/d-1" });
      ids.add(response.json().errorId);
    }

    assert.equal(ids.size, 3);
  });
});

describe("request log lines", () => {
  test("a request writes one line with ids under the fixed keys and no url or headers", async () => {
    const { server, logs } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/subjects/s-42/decisions?limit=3",
      headers: auth("read"),
    });

    const lines = logs.lines();
    assert.equal(lines.length, 1);
    const line = requestLine(logs, String(response.headers["x-request-id"]));
    assert.equal(line.subjectId, "s-42");
    assert.equal(line.route, "/v1/subjects/:subjectId/decisions");
    assert.equal(line.method, "GET");
    assert.equal(typeof line.durationMs, "number");
    assert.equal(line.url, undefined);
    assert.ok(!logs.raw.join("").includes("limit=3"));
    assert.ok(!logs.raw.join("").toLowerCase().includes("bearer"));
  });
});
