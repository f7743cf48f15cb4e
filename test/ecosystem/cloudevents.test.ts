import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CloudEvent, HTTP } from "cloudevents";
import { assignArm } from "../../src/experiment/assignment.ts";
import {
  assertNothingWritten,
  INGEST_KEY,
  pointersOf,
  type Service,
  startService,
} from "./support.ts";

/**
 * CloudEvents 1.0 over HTTP, end to end: events emitted by the CloudEvents SDK in binary and
 * structured mode (HTTP.binary, HTTP.structured) reach a running Assent, update the profile and
 * decide. Bad input is refused with a problem naming the attribute, and nothing is written.
 */

let service: Service;

before(async () => {
  service = await startService();
});

after(async () => {
  await service.close();
});

const bearer = { authorization: `Bearer ${INGEST_KEY.secret}` };

interface Outcome {
  readonly eventId: string;
  readonly status: string;
  readonly decisions: readonly { readonly nodeId: string; readonly outcome: string }[];
}

interface Problem {
  readonly code: string;
  readonly detail: string;
  readonly errors: { pointer: string; detail: string }[];
}

/** What the route answers: outcomes (2xx) or a problem document; a test reads the one it expects. */
type Answer = Outcome[] & Problem;

/** Sends an SDK message with fetch, as any HTTP client would. */
async function send(message: { headers: object; body: unknown }) {
  const headers = Object.fromEntries(
    Object.entries(message.headers).map(([name, value]) => [name, String(value)]),
  );
  const response = await fetch(`${service.url}/v1/cloudevents`, {
    method: "POST",
    headers: { ...bearer, ...headers },
    body: String(message.body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function csat(id: string, subject: string, score: unknown) {
  return new CloudEvent({
    id,
    type: "ticket.csat_received",
    source: "support-desk",
    subject,
    time: minutesAgo(1),
    schemaversion: "1",
    data: { "ticket.csat": score, "ticket.category": "bug" },
  });
}

function plan(id: string, subject: string) {
  return new CloudEvent({
    id,
    type: "billing.invoice_issued",
    source: "billing",
    subject,
    time: minutesAgo(2),
    data: { "account.plan": "team", "account.arr": 30_000 },
  });
}

const EXPERIMENT = {
  salt: "service-recovery-2026q1",
  arms: [
    { name: "treatment", weight: 90 },
    { name: "holdout", weight: 10 },
  ],
  control: "holdout",
  traffic: 1,
};

describe("CloudEvents from the SDK", () => {
  for (const [mode, encode] of [
    ["binary", HTTP.binary],
    ["structured", HTTP.structured],
  ] as const) {
    test(`${mode} mode: the event updates the profile and decides`, async () => {
      const subject = `ce-${mode}-42`;
      assert.equal(assignArm(EXPERIMENT, subject).arm, "treatment");
      const invoice = plan(`ce-${mode}-1`, subject);
      const first = await send(encode(invoice));
      const second = await send(encode(csat(`ce-${mode}-2`, subject, 2)));

      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.deepEqual(first.body, [
        { eventId: `ce-${mode}-1`, status: "accepted", decisions: [] },
      ]);
      assert.equal(second.status, 202, JSON.stringify(second.body));
      const [decision] = second.body[0]?.decisions ?? [];
      assert.equal(decision?.nodeId, "service-recovery-low-csat");
      assert.equal(decision?.outcome, "act");

      const profile = await service.store.profile(subject);
      assert.equal(profile.get("account.plan")?.value, "team");
      assert.equal(profile.get("ticket.csat")?.value, 2);
      assert.equal(profile.get("ticket.csat")?.source, "support-desk");
      assert.equal(profile.get("ticket.csat")?.eventId, `ce-${mode}-2`);
      const stored = (await service.store.eventsOf(subject)).find((e) => e.id === invoice.id);
      assert.equal(stored?.occurredAt, Date.parse(invoice.time ?? ""), "time is occurredAt");
    });
  }

  test("a re-sent CloudEvent id is a duplicate", async () => {
    const event = plan("ce-dup-1", "ce-dup");
    await send(HTTP.structured(event));
    const again = await send(HTTP.binary(event));
    assert.equal(again.body[0]?.status, "duplicate");
  });

  test("batched mode: one outcome per CloudEvent, in order", async () => {
    const events = [plan("ce-batch-1", "ce-batch"), csat("ce-batch-2", "ce-batch", 5)];
    const response = await send({
      headers: { "content-type": "application/cloudevents-batch+json" },
      body: JSON.stringify(events.map((event) => event.toJSON())),
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.deepEqual(
      response.body.map((outcome: { eventId: string }) => outcome.eventId),
      ["ce-batch-1", "ce-batch-2"],
    );
  });
});

describe("CloudEvents refused, nothing written", () => {
  test("structured mode without specversion: 400 at /specversion", async () => {
    const message = HTTP.structured(plan("ce-bad-1", "ce-bad-1"));
    const { specversion: _, ...attributes } = JSON.parse(String(message.body));
    const response = await send({ headers: message.headers, body: JSON.stringify(attributes) });

    assert.equal(response.status, 400);
    assert.equal(response.body.code, "invalid_request");
    assert.deepEqual(response.body.errors, [
      { pointer: "/specversion", detail: "required: the CloudEvents specversion, 1.0" },
    ]);
    await assertNothingWritten(service.store, "ce-bad-1");
  });

  test("binary mode without ce-specversion: 400 at the header", async () => {
    const message = HTTP.binary(plan("ce-bad-2", "ce-bad-2"));
    const headers: Record<string, unknown> = { ...message.headers };
    delete headers["ce-specversion"];
    const response = await send({ headers, body: message.body });

    assert.equal(response.status, 400);
    assert.deepEqual(pointersOf(response.body), ["/headers/ce-specversion"]);
    await assertNothingWritten(service.store, "ce-bad-2");
  });

  test("a CloudEvent of another spec version is refused", async () => {
    const message = HTTP.binary(plan("ce-bad-3", "ce-bad-3"));
    const response = await send({
      headers: { ...message.headers, "ce-specversion": "0.3" },
      body: message.body,
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.errors, [
      { pointer: "/headers/ce-specversion", detail: "1.0 (CloudEvents 1.0)" },
    ]);
    await assertNothingWritten(service.store, "ce-bad-3");
  });

  test("no subject and no time are named; the SDK's defaults are not taken", async () => {
    const event = plan("ce-bad-4", "ce-bad-4").toJSON();
    const { subject: _s, time: _t, ...rest } = event;
    const response = await send({
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify(rest),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(pointersOf(response.body).sort(), ["/subject", "/time"]);
  });

  test("a batch with one bad data value stores nothing and names the value in the body", async () => {
    const bad = csat("ce-bad-5b", "ce-bad-5", "two");
    const batch = await send({
      headers: { "content-type": "application/cloudevents-batch+json" },
      body: JSON.stringify([plan("ce-bad-5a", "ce-bad-5").toJSON(), bad.toJSON()]),
    });
    const binary = await send(HTTP.binary(csat("ce-bad-5c", "ce-bad-5", "two")));

    assert.equal(batch.status, 422);
    assert.deepEqual(pointersOf(batch.body), ["/1/data/ticket.csat"]);
    assert.equal(binary.status, 422);
    assert.deepEqual(pointersOf(binary.body), ["/ticket.csat"]);
    await assertNothingWritten(service.store, "ce-bad-5");
  });

  test("an undecodable tcstring extension is named at its header or attribute", async () => {
    const event = new CloudEvent({
      ...plan("ce-bad-7", "ce-bad-7").toJSON(),
      tcstring: "CLcVDx!!",
    });
    const binary = await send(HTTP.binary(event));
    const structured = await send(HTTP.structured(event));

    assert.equal(binary.status, 422);
    assert.equal(binary.body.code, "invalid_consent");
    assert.deepEqual(pointersOf(binary.body), ["/headers/ce-tcstring"]);
    assert.deepEqual(pointersOf(structured.body), ["/tcstring"]);
    // The tcf.signal made from the extension is not the sender's: one CloudEvent was sent.
    assert.equal(binary.body.detail, "1 field is wrong in 1 CloudEvent; nothing was stored");
    await assertNothingWritten(service.store, "ce-bad-7");
  });

  test("binary mode without ce-id is named at the header", async () => {
    const message = HTTP.binary(plan("ce-bad-8", "ce-bad-8"));
    const headers: Record<string, unknown> = { ...message.headers };
    delete headers["ce-id"];
    const response = await send({ headers, body: message.body });

    assert.equal(response.status, 400);
    assert.deepEqual(pointersOf(response.body), ["/headers/ce-id"]);
    await assertNothingWritten(service.store, "ce-bad-8");
  });

  test("an unknown type is named at ce-type", async () => {
    const event = new CloudEvent({
      ...plan("ce-bad-6", "ce-bad-6").toJSON(),
      type: "claim.teleported",
    });
    const response = await send(HTTP.binary(event));
    assert.equal(response.status, 422);
    assert.deepEqual(pointersOf(response.body), ["/headers/ce-type"]);
    await assertNothingWritten(service.store, "ce-bad-6");
  });
});
