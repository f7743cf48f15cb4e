import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { AppError } from "../../src/app/errors.ts";
import { isEmailShaped, SUBJECT_ID_EXPECTED } from "../../src/ingest/subject-id.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { checkReplayFile } from "../../src/replay/durable-replay.ts";
import { auth, callsOf, consentBody, eventBody, harness, KEYS, type Role } from "./support.ts";

/**
 * Subject ids are logged and kept readable, so they must be pseudonymous: an id shaped like an
 * e-mail address is refused wherever one enters, naming the field, and never reaches a log line.
 */

const EMAIL = "jan.jansen@example.org";
const root = mkdtempSync(join(tmpdir(), "assent-subject-ids-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface Problem {
  readonly code: string;
  readonly errors: readonly { readonly pointer: string; readonly detail: string }[];
}

function errorsOf(body: string): Problem["errors"] {
  return (JSON.parse(body) as Problem).errors;
}

describe("the shape of a refused subject id", () => {
  test("ids holding an e-mail address are e-mail shaped; customer numbers and others are not", () => {
    for (const id of [EMAIL, "JAN@EXAMPLE.ORG", "crm:jan@example.org", "a@b.co"]) {
      assert.equal(isEmailShaped(id), true, id);
    }
    for (const id of ["100234", "0031612345678", "c-1001", "user@tenant", "c-1001@v2.1", "s-1"]) {
      assert.equal(isEmailShaped(id), false, id);
    }
  });
});

describe("an e-mail-shaped subject id", () => {
  test("POST /v1/events: 400 naming /subjectId, and /events/1/subjectId in a batch", async () => {
    const { server, calls } = harness();
    const post = (payload: object) =>
      server.inject({ method: "POST", url: "/v1/events", headers: auth("ingest"), payload });

    const single = await post(eventBody({ subjectId: EMAIL }));
    const batch = await post({ events: [eventBody(), eventBody({ id: "e-2", subjectId: EMAIL })] });

    assert.equal(single.statusCode, 400);
    assert.deepEqual(errorsOf(single.body), [
      { pointer: "/subjectId", detail: SUBJECT_ID_EXPECTED },
    ]);
    assert.equal(batch.statusCode, 400);
    assert.deepEqual(
      errorsOf(batch.body).map((error) => error.pointer),
      ["/events/1/subjectId"],
    );
    assert.equal(callsOf(calls, "ingest").length, 0, "nothing was ingested");
    assert.doesNotMatch(JSON.stringify(calls), /jan\.jansen/, "the id never reached the app");
  });

  test("a digit-only customer number is accepted", async () => {
    const { server } = harness();
    const response = await server.inject({
      method: "POST",
      url: "/v1/events",
      headers: auth("ingest"),
      payload: eventBody({ subjectId: "100234" }),
    });

    assert.equal(response.statusCode, 202);
  });

  test("GET /v1/subjects/<e-mail>/decisions is refused and no log line holds the address", async () => {
    const { server, logs, calls } = harness();
    const response = await server.inject({
      method: "GET",
      url: `/v1/subjects/${EMAIL}/decisions`,
      headers: auth("read"),
    });

    assert.equal(response.statusCode, 400);
    assert.deepEqual(errorsOf(response.body), [
      { pointer: "/subjectId", detail: SUBJECT_ID_EXPECTED },
    ]);
    assert.equal(calls.length, 0);
    const output = logs.raw.join("");
    assert.ok(logs.raw.length > 0, "the request was logged");
    assert.ok(!output.includes(EMAIL), "the log holds the e-mail address");
    assert.ok(!output.includes("jan.jansen"), "the log holds part of the e-mail address");
    assert.ok(!/[^\s@"]@[^\s@"]+\.[a-z]{2,}/i.test(output), "the log holds an e-mail address");
  });

  test("every route that takes a subject id refuses it at the field, and logs none", async () => {
    const { server, logs, calls } = harness();
    const encoded = encodeURIComponent(EMAIL);
    const requests: {
      method: "GET" | "POST" | "DELETE";
      url: string;
      role: Role;
      body?: object;
    }[] = [
      {
        method: "POST",
        url: `/v1/subjects/${EMAIL}/consent`,
        role: "consent",
        body: consentBody(),
      },
      { method: "GET", url: `/v1/subjects/${EMAIL}/consent`, role: "read" },
      { method: "GET", url: `/v1/subjects/${encoded}/decisions`, role: "read" },
      { method: "GET", url: `/v1/subjects/${EMAIL}/timers`, role: "read" },
      { method: "DELETE", url: `/v1/subjects/${EMAIL}`, role: "admin" },
      { method: "POST", url: "/v1/decide", role: "decide", body: eventBody({ subjectId: EMAIL }) },
    ];
    for (const request of requests) {
      const response = await server.inject({
        method: request.method,
        url: request.url,
        headers: auth(request.role),
        ...(request.body === undefined ? {} : { payload: request.body }),
      });
      const where = `${request.method} ${request.url}`;
      assert.equal(response.statusCode, 400, where);
      assert.deepEqual(
        errorsOf(response.body).map((error) => [error.pointer, error.detail]),
        [["/subjectId", SUBJECT_ID_EXPECTED]],
        where,
      );
    }

    assert.equal(calls.length, 0, "nothing reached the application");
    assert.ok(!logs.raw.join("").includes("jan.jansen"), "the log holds the e-mail address");
    const logged = logs.lines().filter((line) => line.msg === "request completed");
    assert.equal(logged.length, requests.length);
    for (const line of logged.filter((l) => l.subjectId !== undefined)) {
      assert.equal(line.subjectId, "[refused: e-mail shaped]");
    }
  });

  test("a Segment userId and a CloudEvents subject are refused at their own fields", async () => {
    const { server, calls, logs } = harness();
    const segment = await server.inject({
      method: "POST",
      url: "/segment/v1/batch",
      headers: auth("ingest"),
      payload: {
        writeKey: KEYS.ingest.secret,
        batch: [{ type: "track", event: "CSAT Received", userId: EMAIL, messageId: "m-1" }],
      },
    });
    const cloudEvent = await server.inject({
      method: "POST",
      url: "/v1/cloudevents",
      headers: { ...auth("ingest"), "content-type": "application/cloudevents+json" },
      payload: JSON.stringify({
        specversion: "1.0",
        id: "ce-1",
        source: "support-desk",
        type: "ticket.csat_received",
        subject: EMAIL,
        time: "2026-03-02T09:00:00Z",
      }),
    });

    assert.equal(segment.statusCode, 400);
    assert.deepEqual(errorsOf(segment.body), [
      { pointer: "/batch/0/userId", detail: SUBJECT_ID_EXPECTED },
    ]);
    assert.equal(cloudEvent.statusCode, 400);
    assert.deepEqual(errorsOf(cloudEvent.body), [
      { pointer: "/subject", detail: SUBJECT_ID_EXPECTED },
    ]);
    assert.equal(calls.length, 0);
    assert.ok(!logs.raw.join("").includes("jan.jansen"));
  });

  test("a replay event line is refused at its subjectId before anything is replayed", async () => {
    const path = join(root, "replay.ndjson");
    const line = { kind: "event", event: eventBody({ subjectId: EMAIL }) };
    writeFileSync(path, `${JSON.stringify(line)}\n`);

    await assert.rejects(checkReplayFile(path, loadDeploymentFromDir("examples").catalog), (e) => {
      assert.ok(e instanceof AppError);
      assert.deepEqual(
        e.fields.map((field) => field.expected),
        [SUBJECT_ID_EXPECTED],
      );
      assert.match(e.fields[0]?.pointer ?? "", /\/event\/subjectId$/);
      return true;
    });
  });
});
