import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "./support.ts";

/** Liveness and readiness need no key; readiness follows the app. */

describe("/healthz and /readyz", () => {
  test("healthz answers 200 without a key", async () => {
    const { server } = harness();
    const response = await server.inject({ method: "GET", url: "/healthz" });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: "ok" });
  });

  test("readyz answers 200 without a key when the app is ready", async () => {
    const { server } = harness();
    const response = await server.inject({ method: "GET", url: "/readyz" });

    assert.equal(response.statusCode, 200);
  });

  test("readyz answers a 503 not_ready problem when the app is not ready", async () => {
    const { server } = harness({ ready: async () => false });
    const response = await server.inject({ method: "GET", url: "/readyz" });

    assert.equal(response.statusCode, 503);
    assert.equal(response.json().code, "not_ready");
  });

  test("readyz answers 503 and logs a warning when the readiness check throws", async () => {
    const { server, logs } = harness({
      ready: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    });
    const response = await server.inject({ method: "GET", url: "/readyz" });

    assert.equal(response.statusCode, 503);
    const warning = logs.lines().find((line) => line.msg === "readiness check failed");
    assert.equal(warning?.level, "warn");
    assert.ok(!logs.raw.join("").includes("ECONNREFUSED"));
  });
});
