import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auth, callsOf, harness } from "./support.ts";

/** DELETE /v1/subjects/:id: erasure for operators, behind the admin scope. */

describe("erasure route", () => {
  test("an admin key erases the subject now and gets counts back, the instant in ISO 8601", async () => {
    const { server, calls } = harness();
    const before = Date.now();
    const response = await server.inject({
      method: "DELETE",
      url: "/v1/subjects/s-9",
      headers: auth("admin"),
    });

    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.subjectId, "s-9");
    assert.equal(body.alreadyErased, false);
    assert.deepEqual(body.cancelled, { deferrals: 0, reviews: 0, deliveries: 0, timers: 0 });
    const [call] = callsOf(calls, "eraseSubject");
    assert.equal(call?.args[0], "s-9");
    const at = Number(call?.args[1]);
    assert.ok(at >= before && at <= Date.now());
    assert.equal(body.erasedAt, new Date(at).toISOString());
  });

  for (const role of ["read", "consent", "ingest"] as const) {
    test(`a ${role} key is forbidden and nothing is erased`, async () => {
      const { server, calls } = harness();
      const response = await server.inject({
        method: "DELETE",
        url: "/v1/subjects/s-9",
        headers: auth(role),
      });
      assert.equal(response.statusCode, 403);
      assert.equal(response.json().code, "forbidden");
      assert.deepEqual(callsOf(calls, "eraseSubject"), []);
    });
  }

  test("without a key the answer is 401", async () => {
    const { server, calls } = harness();
    const response = await server.inject({ method: "DELETE", url: "/v1/subjects/s-9" });
    assert.equal(response.statusCode, 401);
    assert.deepEqual(callsOf(calls, "eraseSubject"), []);
  });
});
