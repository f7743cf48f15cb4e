import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../src/observability/logger.ts";
import { auth, consentBody, eventBody, harness, KEYS } from "./support.ts";

/** "No personal data in logs, ever. Ids only." */

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 7700 900123";
const NAME = "Jane Doe";
const PERSONAL = [EMAIL, PHONE, NAME, "7700 900123", "jane.doe"];

const personal = { email: EMAIL, phone: PHONE, name: NAME, note: `${NAME} <${EMAIL}> ${PHONE}` };

test("events carrying an e-mail, a phone number and a name leave none of them in any log line at any level", async () => {
  const { server, logs } = harness();
  const requests = [
    { url: "/v1/events", payload: eventBody({ data: personal }) },
    {
      url: "/v1/events",
      payload: {
        events: [eventBody({ data: personal }), eventBody({ id: "e-2", data: personal })],
      },
    },
    { url: "/v1/events", payload: eventBody({ data: personal, occurredAt: EMAIL }) },
    {
      url: "/v1/events",
      payload: { events: [eventBody({ subjectId: 1, data: personal, [EMAIL]: PHONE })] },
    },
    { url: "/v1/events", payload: `{"data": {"email": "${EMAIL}", "name": "${NAME}"` },
    { url: "/v1/decide", payload: eventBody({ data: personal }) },
    { url: "/v1/subjects/s-1/consent", payload: consentBody({ evidence: EMAIL, source: NAME }) },
  ];
  for (const request of requests) {
    await server.inject({
      method: "POST",
      url: request.url,
      headers: { ...auth("admin"), "content-type": "application/json" },
      payload:
        typeof request.payload === "string" ? request.payload : JSON.stringify(request.payload),
    });
  }

  const output = logs.raw.join("");
  assert.ok(logs.raw.length >= requests.length, "the requests were logged");
  assert.ok(logs.lines().some((line) => line.level === "trace" || line.level === "debug"));
  for (const value of [...PERSONAL, KEYS.admin.secret]) {
    assert.ok(!output.includes(value), `the log holds ${value}`);
  }
});

test("an app error raised while handling personal data leaves none of it in the log", async () => {
  const { server, logs } = harness({
    ingest: async () => {
      throw new Error(`duplicate key value (${EMAIL}, ${PHONE}, ${NAME})`);
    },
  });
  const response = await server.inject({
    method: "POST",
    url: "/v1/events",
    headers: auth("ingest"),
    payload: eventBody({ data: personal }),
  });

  assert.equal(response.statusCode, 500);
  const output = logs.raw.join("") + response.body;
  for (const value of PERSONAL) {
    assert.ok(!output.includes(value), `the log or response holds ${value}`);
  }
});

test("the logger censors secrets and contact fields that a caller passes by mistake", () => {
  const raw: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (line) => raw.push(line) } });
  logger.trace(
    {
      subjectId: "s-1",
      email: EMAIL,
      headers: { authorization: "Bearer x" },
      event: { phone: PHONE },
    },
    "field check",
  );

  const line = JSON.parse(raw[0] ?? "{}");
  assert.equal(line.subjectId, "s-1");
  assert.equal(line.email, "[redacted]");
  assert.equal(line.headers.authorization, "[redacted]");
  assert.equal(line.event.phone, "[redacted]");
  assert.equal(line.msg, "field check");
  assert.equal(line.level, "trace");
});
