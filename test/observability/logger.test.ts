import assert from "node:assert/strict";
import { test } from "node:test";
import { CENSOR, CENSORED_KEYS, censored } from "../../src/observability/log-redaction.ts";
import { createLogger } from "../../src/observability/logger.ts";

/** "No personal data and no secrets in any log line; the logger redacts them by configuration." */

function capture() {
  const raw: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (line) => raw.push(line) } });
  const lines = () => raw.map((line) => JSON.parse(line));
  return { logger, raw, lines };
}

test("every censored key is censored at the top of a line and one level down", () => {
  const { logger, lines } = capture();
  for (const key of CENSORED_KEYS) {
    logger.info({ subjectId: "s-1", [key]: "top", nested: { [key]: "below", id: 7 } }, "check");
  }
  for (const [index, key] of CENSORED_KEYS.entries()) {
    const line = lines()[index];
    assert.equal(line[key], CENSOR, key);
    assert.deepEqual(line.nested, { [key]: CENSOR, id: 7 }, key);
    assert.equal(line.subjectId, "s-1");
  }
});

test("a request's authorization and cookie headers are censored two levels down", () => {
  const { logger, lines } = capture();
  const req = {
    method: "GET",
    headers: { authorization: "Bearer k", cookie: "c=1", accept: "*/*" },
  };
  logger.info({ req }, "request");
  assert.deepEqual(lines()[0].req.headers, {
    authorization: CENSOR,
    cookie: CENSOR,
    accept: "*/*",
  });
});

test("a child logger's bindings are censored, at the top and one level down, in its children too", () => {
  const { logger, raw } = capture();
  const child = logger.child({ email: "ada@example.com", user: { phone: "+44 7700 900123" } });
  child
    .child({ reqId: "r-1", name: "Ada Lovelace" })
    .info({ subjectId: "s-1" }, "from a grandchild");
  const output = raw.join("");
  for (const value of ["ada@example.com", "+44 7700 900123", "Ada Lovelace"]) {
    assert.ok(!output.includes(value), `the line holds ${value}`);
  }
  const line = JSON.parse(raw[0] ?? "{}");
  assert.equal(line.reqId, "r-1");
  assert.equal(line.subjectId, "s-1");
});

test("censoring changes nothing the caller passed, and keeps an error an error", () => {
  const event = { phone: "+44 7700 900123", type: "lead.captured" };
  const fields = { event, err: Object.assign(new Error("boom"), { email: "ada@example.com" }) };
  const result = censored(fields);

  assert.equal(event.phone, "+44 7700 900123");
  assert.equal(fields.err.email, "ada@example.com");
  assert.deepEqual(result.event, { phone: CENSOR, type: "lead.captured" });
  assert.ok(result.err instanceof Error);
  assert.equal(result.err.message, "boom");
  assert.equal(Reflect.get(result.err, "email"), CENSOR);
});

test("a line with nothing to censor is written from the caller's own object", () => {
  const fields = { subjectId: "s-1", decisionId: "d-1", counts: { acted: 2 } };
  assert.equal(censored(fields), fields);
});
