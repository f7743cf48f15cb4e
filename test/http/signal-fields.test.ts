import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auth, eventBody, onRealApp, type Problem } from "./support.ts";

/**
 * The consent signals `contact.updated` and `suppression.recorded` have each field of their
 * data checked on its own and named at its own pointer. A jurisdiction the rules cannot place
 * is refused, never stored: the ePrivacy rule must not hang on how an unknown code is read.
 */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const real = onRealApp("signal-fields", NOW);

const CHANNELS = '"email", "sms", "push", "in_app", "phone", "crm"';
const JURISDICTION =
  "an ISO 3166-1 alpha-2 country code such as DE, US or GB, a US state such as US-CA, or a region: EU, EEA or UK";

function signal(id: string, type: string, data: Record<string, unknown>) {
  const event = eventBody({ id, type, subjectId: `s-${id}`, source: "crm", data });
  return real.server.inject({
    method: "POST",
    url: "/v1/events",
    headers: auth("ingest"),
    payload: event,
  });
}

const contact = (id: string, data: Record<string, unknown>) => signal(id, "contact.updated", data);

async function refused(response: Awaited<ReturnType<typeof signal>>): Promise<Problem> {
  assert.equal(response.statusCode, 422, response.body);
  const problem: Problem = response.json();
  assert.equal(problem.code, "invalid_event");
  return problem;
}

describe("contact.updated", () => {
  test("an unknown jurisdiction is refused at /data/jurisdiction and no contact point is stored", async () => {
    const problem = await refused(
      await contact("cu-1", { channel: "email", jurisdiction: "banana; DROP" }),
    );

    assert.deepEqual(problem.errors, [{ pointer: "/data/jurisdiction", detail: JURISDICTION }]);
    assert.equal(problem.detail, "1 field is wrong in 1 event; nothing was stored");
    assert.deepEqual((await real.store.consentView("s-cu-1")).contacts, {});
  });

  test("a channel that is not one is refused at /data/channel, listing the channels", async () => {
    for (const channel of ["pigeon", 5]) {
      const problem = await refused(await contact("cu-2", { channel, jurisdiction: "DE" }));
      assert.deepEqual(problem.errors, [
        { pointer: "/data/channel", detail: `one of ${CHANNELS}` },
      ]);
    }
  });

  test("a missing field is named as missing; two bad fields are both listed", async () => {
    const missing = await refused(await contact("cu-3", { channel: "email" }));
    const both = await refused(await contact("cu-4", { channel: "fax", jurisdiction: "XX" }));

    assert.deepEqual(missing.errors, [
      { pointer: "/data/jurisdiction", detail: `${JURISDICTION} (it is missing)` },
    ]);
    assert.deepEqual(
      both.errors.map((error) => error.pointer),
      ["/data/channel", "/data/jurisdiction"],
    );
    assert.equal(both.detail, "2 fields are wrong in 1 event; nothing was stored");
  });

  test("a loosely written or unassigned jurisdiction is refused, never stored as sent", async () => {
    const loose = ["US-ZZ", "US-XX", "USA", "us_ca", " nl ", "nl", "gb", "US_CA", "XK", "YU", "ZZ"];
    for (const [index, jurisdiction] of loose.entries()) {
      const id = `cu-loose-${index}`;
      const problem = await refused(await contact(id, { channel: "email", jurisdiction }));
      assert.deepEqual(
        problem.errors,
        [{ pointer: "/data/jurisdiction", detail: JURISDICTION }],
        jurisdiction,
      );
      assert.deepEqual((await real.store.consentView(`s-${id}`)).contacts, {}, jurisdiction);
    }
  });

  test("country codes, a US state and the rules' regions are accepted", async () => {
    const codes = ["DE", "NL", "US", "US-CA", "GB", "BR", "EU", "EEA", "UK", "US-PR", "US-DC"];
    for (const [index, jurisdiction] of codes.entries()) {
      const response = await contact(`cu-ok-${index}`, { channel: "email", jurisdiction });
      assert.equal(response.statusCode, 202, `${jurisdiction}: ${response.body}`);
    }
    const stored = (await real.store.consentView("s-cu-ok-3")).contacts.email;
    assert.equal(stored?.jurisdiction, "US-CA");
  });
});

describe("suppression.recorded", () => {
  const suppression = (id: string, data: Record<string, unknown>) =>
    signal(id, "suppression.recorded", data);

  test("an unknown reason is refused at /data/reason, listing the reasons", async () => {
    const problem = await refused(await suppression("sr-1", { reason: "bored", channel: "email" }));

    assert.deepEqual(problem.errors, [
      {
        pointer: "/data/reason",
        detail: 'one of "unsubscribed", "hard_bounce", "complaint", "do_not_contact"',
      },
    ]);
    assert.deepEqual((await real.store.consentView("s-sr-1")).suppressions, []);
  });

  test("a channel that is not one is refused at /data/channel; * is every channel", async () => {
    const problem = await refused(await suppression("sr-2", { reason: "complaint", channel: 5 }));
    const missing = await refused(await suppression("sr-3", { reason: "complaint" }));
    const every = await suppression("sr-4", { reason: "complaint", channel: "*" });

    const expected = `one of ${CHANNELS}, or "*" for every channel`;
    assert.deepEqual(problem.errors, [{ pointer: "/data/channel", detail: expected }]);
    assert.deepEqual(missing.errors, [
      { pointer: "/data/channel", detail: `${expected} (it is missing)` },
    ]);
    assert.equal(every.statusCode, 202, every.body);
  });
});
