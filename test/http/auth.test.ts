import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createHttpServer } from "../../src/http/server.ts";
import { appDouble, auth, captureLogs, consentBody, eventBody, harness, KEYS } from "./support.ts";

/** "A request without a valid key is refused": 401 without one, 403 without the scope. */

describe("API keys and scopes", () => {
  test("a request without a key is refused with 401 and a Bearer challenge", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      payload: eventBody(),
    });

    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, "unauthorized");
    assert.match(String(response.headers["www-authenticate"]), /^Bearer/);
    assert.equal(calls.length, 0);
  });

  test("an unknown key is refused with 401", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/decisions/d-1",
      headers: { authorization: "Bearer not-a-key-of-ours-0123456789abcdef" },
    });

    assert.equal(response.statusCode, 401);
  });

  test("a known secret sent with another scheme, or with a suffix, is refused with 401", async () => {
    const { server } = harness();
    const headers = [
      `Basic ${KEYS.read.secret}`,
      KEYS.read.secret,
      `Bearer ${KEYS.read.secret}x`,
      `Bearer ${KEYS.read.secret.slice(0, -1)}`,
    ];
    for (const authorization of headers) {
      const response = await server.inject({
        method: "GET",
        url: "/v1/decisions/d-1",
        headers: { authorization },
      });
      assert.equal(response.statusCode, 401, authorization.slice(0, 6));
    }
  });

  test("a valid key without the route's scope is refused with 403", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("read"),
      payload: eventBody(),
    });

    assert.equal(response.statusCode, 403);
    assert.equal(response.json().code, "forbidden");
    assert.equal(calls.length, 0);
  });

  test("each route admits its own scope and refuses the others", async () => {
    const routes = [
      { method: "POST", url: "/v1/events", payload: eventBody(), scopes: ["ingest"] },
      { method: "POST", url: "/v1/decide", payload: eventBody(), scopes: ["decide"] },
      {
        method: "POST",
        url: "/v1/subjects/s-1/consent",
        payload: consentBody(),
        scopes: ["consent"],
      },
      { method: "GET", url: "/v1/subjects/s-1/consent", scopes: ["read", "consent"] },
      { method: "GET", url: "/v1/subjects/s-1/decisions", scopes: ["read"] },
      { method: "GET", url: "/v1/decisions/d-1", scopes: ["read"] },
      { method: "GET", url: "/v1/reviews", scopes: ["review"] },
      { method: "POST", url: "/v1/reviews/r-1/approve", scopes: ["review"] },
      { method: "POST", url: "/v1/reviews/r-1/reject", scopes: ["review"] },
    ] as const;
    const { server } = harness();

    for (const route of routes) {
      for (const role of ["ingest", "decide", "consent", "review", "read"] as const) {
        const response = await server.inject({ ...route, headers: auth(role) });
        const admitted = (route.scopes as readonly string[]).includes(role);
        const where = `${route.method} ${route.url} as ${role}`;
        assert.equal(response.statusCode < 400, admitted, `${where}: ${response.statusCode}`);
        if (!admitted) {
          assert.equal(response.statusCode, 403, where);
        }
      }
    }
  });

  test("an admin key is admitted everywhere", async () => {
    const { server } = harness();
    const ingest = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("admin"),
      payload: eventBody(),
    });
    const reviews = await server.inject({
      method: "GET",
      url: "/v1/reviews",
      headers: auth("admin"),
    });

    assert.equal(ingest.statusCode, 202);
    assert.equal(reviews.statusCode, 200);
  });

  test("the key is checked before the body is read: no key and a huge body give 401", async () => {
    const { server } = harness({}, { bodyLimit: 2048 });
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(eventBody({ data: { blob: "x".repeat(5000) } })),
    });

    assert.equal(response.statusCode, 401);
  });

  test("the log line names the key by id and never carries its secret", async () => {
    const { server, logs } = harness();
    await server.inject({ method: "GET", url: "/v1/reviews", headers: auth("review") });

    const [line] = logs.lines().filter((l) => l.msg === "request completed");
    assert.equal(line?.keyId, KEYS.review.id);
    assert.ok(!logs.raw.join("").includes(KEYS.review.secret));
  });

  test("a configuration with a short secret is refused at start", () => {
    const { app } = appDouble();
    const keys = [{ id: "weak", secret: "short", scopes: ["read" as const] }];
    assert.throws(() => createHttpServer({ app, config: { keys }, logger: captureLogs().logger }));
  });
});
