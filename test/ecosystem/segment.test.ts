import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Analytics } from "@segment/analytics-node";
import { assignArm } from "../../src/experiment/assignment.ts";
import { SEGMENT_PREFIX } from "../../src/http/segment-routes.ts";
import {
  assertNothingWritten,
  basicAuth,
  INGEST_KEY,
  pointersOf,
  READ_KEY,
  type Service,
  startService,
  WRITE_KEY,
} from "./support.ts";

/**
 * Segment-spec ingest, end to end: the official @segment/analytics-node client sends identify
 * and track calls to a running Assent, and the catalog's segment: rules turn them into profile
 * updates and decisions. Bad input is refused whole, with a problem naming the field.
 */

let service: Service;

before(async () => {
  service = await startService();
});

after(async () => {
  await service.close();
});

/** The low-CSAT node runs a 90/10 holdout: the subjects below are in its treatment arm. */
const RECOVERY_EXPERIMENT = {
  salt: "service-recovery-2026q1",
  arms: [
    { name: "treatment", weight: 90 },
    { name: "holdout", weight: 10 },
  ],
  control: "holdout",
  traffic: 1,
};

function client(): Analytics {
  return new Analytics({
    writeKey: WRITE_KEY.secret,
    host: service.url,
    path: `${SEGMENT_PREFIX}/batch`,
    flushAt: 20,
    flushInterval: 60_000,
    maxRetries: 0,
  });
}

function postBatch(payload: unknown, headers: Record<string, string> = {}) {
  return service.server.inject({
    method: "POST",
    url: `${SEGMENT_PREFIX}/batch`,
    headers: { authorization: basicAuth(WRITE_KEY.secret), ...headers },
    payload: payload as Record<string, unknown>,
  });
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

describe("Segment ingest with @segment/analytics-node", () => {
  test("identify then track from the official client update the profile and decide", async () => {
    const subjectId = "seg-user-42";
    assert.equal(assignArm(RECOVERY_EXPERIMENT, subjectId).arm, "treatment");
    const analytics = client();
    const failures: unknown[] = [];
    analytics.on("error", (error) => failures.push(error));

    analytics.identify({
      userId: subjectId,
      messageId: "seg-identify-1",
      timestamp: at(2),
      traits: { plan: "team", arr: 42_000, address: { country: "NL" }, email: "x@example.test" },
    });
    analytics.track({
      userId: subjectId,
      messageId: "seg-track-1",
      event: "CSAT Received",
      timestamp: at(1),
      properties: { score: 1, category: "billing", comment: "slow" },
    });
    await analytics.closeAndFlush();
    assert.deepEqual(failures, []);

    const profile = await service.store.profile(subjectId);
    assert.equal(profile.get("account.plan")?.value, "team");
    assert.equal(profile.get("account.arr")?.value, 42_000);
    assert.equal(profile.get("subject.country")?.value, "NL");
    assert.equal(profile.get("ticket.csat")?.value, 1);
    assert.equal(profile.get("ticket.category")?.value, "billing");
    assert.equal(
      profile.get("account.plan")?.eventId,
      "seg-identify-1",
      "lineage is the messageId",
    );
    assert.equal(profile.get("ticket.csat")?.source, "segment");
    assert.equal(profile.size, 5, "traits and properties no rule maps are not kept");

    const decisions = await service.store.decisionsOf(subjectId, 10);
    assert.equal(decisions.length, 1);
    const [stored] = decisions;
    assert.equal(stored?.decision.nodeId, "service-recovery-low-csat");
    assert.equal(stored?.decision.eventId, "seg-track-1");
    assert.equal(stored?.decision.outcome, "act");
    assert.equal(stored?.decision.reason, "eligible");
  });

  test("a re-sent messageId is a duplicate: no second event and no second decision", async () => {
    const subjectId = "seg-user-43";
    const call = {
      type: "track",
      userId: subjectId,
      messageId: "seg-dup-1",
      event: "Ticket Opened",
      timestamp: at(1).toISOString(),
      properties: { category: "bug", priority: "urgent" },
    };
    const first = await postBatch({ batch: [call] });
    const again = await postBatch({ batch: [call] });

    assert.equal(first.statusCode, 200);
    assert.equal(first.json().success, true);
    assert.equal(first.json().results[0].status, "accepted");
    assert.equal(again.json().results[0].status, "duplicate");
    assert.equal((await service.store.eventsOf(subjectId)).length, 1);
  });

  test("every call type is accepted on its own route; unmapped calls are acknowledged, not stored", async () => {
    const subjectId = "seg-user-44";
    const auth = { authorization: basicAuth(WRITE_KEY.secret) };
    const base = { userId: subjectId, timestamp: at(1).toISOString() };
    const calls = {
      track: { ...base, messageId: "seg-r-1", event: "Button Clicked" },
      identify: { ...base, messageId: "seg-r-2", traits: { plan: "business" } },
      group: { ...base, messageId: "seg-r-3", groupId: "acme", traits: { arr: 120_000 } },
      alias: { ...base, messageId: "seg-r-4", previousId: "anon-1" },
      page: { ...base, messageId: "seg-r-5", name: "Pricing" },
      screen: { ...base, messageId: "seg-r-6", name: "Home" },
    };
    const statuses: Record<string, string> = {};
    for (const [type, payload] of Object.entries(calls)) {
      const url = `${SEGMENT_PREFIX}/${type}`;
      const response = await service.server.inject({ method: "POST", url, headers: auth, payload });
      assert.equal(response.statusCode, 200, `${type}: ${response.body}`);
      statuses[type] = response.json().results[0].status;
    }

    assert.deepEqual(statuses, {
      track: "ignored",
      identify: "accepted",
      group: "accepted",
      alias: "ignored",
      page: "accepted",
      screen: "ignored",
    });
    const stored = (await service.store.eventsOf(subjectId)).map((event) => event.id).sort();
    assert.deepEqual(stored, ["seg-r-2", "seg-r-3", "seg-r-5"]);
    const profile = await service.store.profile(subjectId);
    assert.equal(profile.get("account.plan")?.value, "business");
    assert.equal(profile.get("account.arr")?.value, 120_000);
  });

  test("a call without a timestamp happened when Assent received it", async () => {
    const sent = Date.now();
    const response = await postBatch({
      batch: [{ type: "identify", userId: "seg-user-46", messageId: "seg-now-1", traits: {} }],
    });
    const answered = Date.now();

    assert.equal(response.statusCode, 200);
    const [event] = await service.store.eventsOf("seg-user-46");
    assert.ok(event !== undefined && event.occurredAt >= sent && event.occurredAt <= answered);
  });

  test("the write key may travel in the batch body, as the HTTP API allows", async () => {
    const response = await service.server.inject({
      method: "POST",
      url: `${SEGMENT_PREFIX}/batch`,
      payload: {
        writeKey: WRITE_KEY.secret,
        batch: [{ type: "identify", userId: "seg-user-45", messageId: "seg-b-1", traits: {} }],
      },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().results[0].status, "accepted");
  });
});

describe("Segment ingest refuses bad input and writes nothing", () => {
  const good = (subjectId: string, messageId: string) => ({
    type: "identify",
    userId: subjectId,
    messageId,
    timestamp: at(1).toISOString(),
    traits: { plan: "team" },
  });

  test("a wrong write key is 401 with a Basic challenge and nothing is stored", async () => {
    const subjectId = "seg-bad-1";
    const wrong = await postBatch(
      { batch: [good(subjectId, "seg-bad-1a")] },
      { authorization: basicAuth("wk_not_a_key_0123456789abcdefghijkl") },
    );
    const noScope = await postBatch(
      { batch: [good(subjectId, "seg-bad-1b")] },
      { authorization: basicAuth(READ_KEY.secret) },
    );
    const bearer = await postBatch(
      { batch: [good(subjectId, "seg-bad-1c")] },
      { authorization: `Bearer ${INGEST_KEY.secret}x` },
    );

    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(wrong.json().code, "unauthorized");
    assert.match(wrong.json().detail, /write key as the HTTP Basic user name/);
    assert.equal(wrong.headers["www-authenticate"], 'Basic realm="assent-segment"');
    assert.equal(noScope.statusCode, 403);
    assert.equal(bearer.statusCode, 401);
    await assertNothingWritten(service.store, subjectId);
  });

  test("a batch with one malformed call is refused whole: 400 naming the call's field", async () => {
    const subjectId = "seg-bad-2";
    const batch = [
      good(subjectId, "seg-bad-2a"),
      { ...good(subjectId, "seg-bad-2b"), timestamp: "yesterday" },
      good(subjectId, "seg-bad-2c"),
      { type: "track", userId: subjectId, messageId: "seg-bad-2d" },
    ];
    const response = await postBatch({ batch });

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, "invalid_request");
    assert.deepEqual(pointersOf(response.json()).sort(), ["/batch/1/timestamp", "/batch/3/event"]);
    await assertNothingWritten(service.store, subjectId);
  });

  test("a mapped value of the wrong type is 422 at the call's property, and nothing is stored", async () => {
    const subjectId = "seg-bad-3";
    const batch = [
      good(subjectId, "seg-bad-3a"),
      {
        type: "track",
        userId: subjectId,
        messageId: "seg-bad-3b",
        event: "CSAT Received",
        properties: { score: "one", category: "billing" },
      },
    ];
    const response = await postBatch({ batch });

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().code, "invalid_event");
    assert.deepEqual(response.json().errors, [
      { pointer: "/batch/1/properties/score", detail: "a finite number" },
    ]);
    assert.match(response.json().detail, /^1 field is wrong in 2 calls; nothing was stored$/);
    await assertNothingWritten(service.store, subjectId);
  });

  test("a call without userId or anonymousId is refused; an anonymous call is acknowledged only", async () => {
    const nobody = await postBatch({ batch: [{ type: "identify", messageId: "seg-bad-4a" }] });
    const anonymous = await postBatch({
      batch: [{ type: "identify", anonymousId: "anon-9", messageId: "seg-bad-4b" }],
    });

    assert.equal(nobody.statusCode, 400);
    assert.deepEqual(pointersOf(nobody.json()), ["/batch/0/userId"]);
    assert.equal(anonymous.statusCode, 200);
    assert.equal(anonymous.json().results[0].status, "ignored");
    await assertNothingWritten(service.store, "anon-9");
  });

  test("personal data in traits and properties reaches no log line", async () => {
    await postBatch({
      batch: [
        {
          ...good("seg-pii", "seg-pii-1"),
          traits: { plan: "team", email: "jane.doe@example.com" },
        },
        { ...good("seg-pii", "seg-pii-2"), timestamp: "not a time", traits: { name: "Jane Doe" } },
      ],
    });
    const output = service.logs.join("");
    assert.ok(!output.includes("jane.doe@example.com"));
    assert.ok(!output.includes("Jane Doe"));
  });
});
