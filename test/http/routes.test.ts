import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AppError } from "../../src/app/errors.ts";
import { auth, callsOf, consentBody, harness, T0 } from "./support.ts";

/** Consent, decisions and reviews: each route calls the app once and shapes its answer. */

describe("consent routes", () => {
  test("recording consent answers 201 with the record, instants in ISO 8601", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/subjects/s-9/consent",
      headers: auth("consent"),
      payload: consentBody({ expiresAt: "2027-03-01T10:00:00+01:00" }),
    });

    assert.equal(response.statusCode, 201);
    const record = response.json();
    assert.equal(record.subjectId, "s-9");
    assert.equal(record.capturedAt, "2026-03-01T10:00:00.000Z");
    assert.equal(record.expiresAt, "2027-03-01T09:00:00.000Z");
    assert.equal(callsOf(calls, "recordConsent")[0]?.args[0], "s-9");
  });

  test("an invalid consent record names each bad field and records nothing", async () => {
    const { server, calls } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/subjects/s-9/consent",
      headers: auth("consent"),
      payload: consentBody({ channel: "pigeon", kind: undefined }),
    });

    assert.equal(response.statusCode, 400);
    const found = response
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort();
    assert.deepEqual(found, ["/channel", "/kind"]);
    assert.equal(calls.length, 0);
  });

  test("the app's invalid_consent is answered 422", async () => {
    const { server } = harness({
      recordConsent: async () => {
        throw new AppError("invalid_consent", "a withdrawal cannot expire", [
          { pointer: "/expiresAt", expected: "absent for a withdrawal" },
        ]);
      },
    });
    const response = await server.inject({
      method: "POST",
      url: "/v1/subjects/s-9/consent",
      headers: auth("consent"),
      payload: consentBody({ kind: "withdrawal", expiresAt: "2027-01-01T00:00:00Z" }),
    });

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().errors[0].pointer, "/expiresAt");
  });

  test("the consent view is read as of an instant when asOf is given", async () => {
    const { server, calls } = harness();
    const asOf = "2026-01-01T00:00:00Z";
    const response = await server.inject({
      method: "GET",
      url: `/v1/subjects/s-9/consent?asOf=${asOf}`,
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(callsOf(calls, "consent")[0]?.args, ["s-9", Date.parse(asOf)]);
  });

  test("a bad asOf is refused at /asOf", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/subjects/s-9/consent?asOf=last-tuesday",
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().errors[0].pointer, "/asOf");
  });
});

describe("decision routes", () => {
  test("a subject's decisions are listed with the limit given, 100 by default", async () => {
    const { server, calls } = harness();
    await server.inject({
      method: "GET",
      url: "/v1/subjects/s-1/decisions",
      headers: auth("read"),
    });
    await server.inject({
      method: "GET",
      url: "/v1/subjects/s-1/decisions?limit=5",
      headers: auth("read"),
    });

    const limits = callsOf(calls, "decisionsOf").map((call) => call.args[1]);
    assert.deepEqual(limits, [100, 5]);
  });

  test("a limit out of range is refused at /limit", async () => {
    const { server } = harness();
    for (const limit of ["0", "1001", "ten"]) {
      const response = await server.inject({
        method: "GET",
        url: `/v1/subjects/s-1/decisions?limit=${limit}`,
        headers: auth("read"),
      });
      assert.equal(response.statusCode, 400, limit);
      assert.equal(response.json().errors[0].pointer, "/limit");
    }
  });

  test("a decision is returned with its explanation steps and sentence", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/decisions/d-1",
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 200);
    const stored = response.json();
    assert.equal(stored.decisionId, "d-1");
    assert.equal(stored.decision.decidedAt, new Date(T0).toISOString());
    assert.equal(stored.decision.steps.length, 1);
    assert.match(stored.decision.sentence, /every check/);
  });

  test("a missing decision is a 404 not_found problem", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/decisions/nope",
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, "not_found");
  });
});

describe("review routes", () => {
  test("reviews are listed pending by default, or by the status asked", async () => {
    const { server, calls } = harness();
    const first = await server.inject({
      method: "GET",
      url: "/v1/reviews",
      headers: auth("review"),
    });
    await server.inject({ method: "GET", url: "/v1/reviews?status=all", headers: auth("review") });

    assert.equal(first.json()[0].openedAt, new Date(T0).toISOString());
    const statuses = callsOf(calls, "reviews").map((call) => call.args[0]);
    assert.deepEqual(statuses, ["pending", "all"]);
  });

  test("an unknown status is refused at /status", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "GET",
      url: "/v1/reviews?status=maybe",
      headers: auth("review"),
    });

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().errors[0].pointer, "/status");
  });

  test("approve and reject settle the review with their verdict", async () => {
    const { server, calls } = harness();
    const approved = await server.inject({
      method: "POST",
      url: "/v1/reviews/r-7/approve",
      headers: auth("review"),
    });
    const rejected = await server.inject({
      method: "POST",
      url: "/v1/reviews/r-8/reject",
      headers: { ...auth("review"), "content-type": "application/json" },
      payload: "",
    });

    assert.equal(approved.json().status, "approved");
    assert.equal(rejected.json().status, "rejected");
    const settled = callsOf(calls, "settleReview").map((call) => call.args);
    assert.deepEqual(settled, [
      ["r-7", "approved"],
      ["r-8", "rejected"],
    ]);
  });

  test("settling a review that is no longer pending is the app's 409 conflict", async () => {
    const { server } = harness({
      settleReview: async () => {
        throw new AppError("conflict", "the review is already settled");
      },
    });
    const response = await server.inject({
      method: "POST",
      url: "/v1/reviews/r-1/approve",
      headers: auth("review"),
    });

    assert.equal(response.statusCode, 409);
    assert.equal(response.json().detail, "the review is already settled");
  });
});

describe("path ids", () => {
  test("a 200-character subject id reaches the app; a longer one is refused at /subjectId", async () => {
    const { server, calls } = harness();
    const ok = await server.inject({
      method: "GET",
      url: `/v1/subjects/${"s".repeat(200)}/decisions`,
      headers: auth("read"),
    });
    const tooLong = await server.inject({
      method: "GET",
      url: `/v1/subjects/${"s".repeat(201)}/decisions`,
      headers: auth("read"),
    });

    assert.equal(ok.statusCode, 200);
    assert.equal(callsOf(calls, "decisionsOf")[0]?.args[0], "s".repeat(200));
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().errors[0].pointer, "/subjectId");
  });
});
