import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { CloudEvent, HTTP } from "cloudevents";
import { sharedDataFile } from "../support/shared-data.ts";
import { basicAuth, INGEST_KEY, type Service, startService, WRITE_KEY } from "./support.ts";

/**
 * Global Privacy Control at ingest: every GPC case of the shared vector file, run against the
 * API. The signal (Sec-GPC: 1 on a request, or a GPC field on a Segment call or CloudEvent) is
 * recorded for the subject and opts them out of purposes marked sale, sharing or targeted
 * advertising; any other value, and no header, records nothing.
 */

interface GpcVector {
  readonly name: string;
  readonly request_headers?: Readonly<Record<string, string>>;
  readonly navigator_globalPrivacyControl?: boolean;
  readonly path?: string;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly expected: { readonly gpc?: boolean; readonly valid?: boolean };
}

const { gpc: vectors }: { gpc: GpcVector[] } = JSON.parse(
  readFileSync(sharedDataFile("unsubscribe-and-gpc-vectors.json"), "utf8"),
);

let service: Service;

before(async () => {
  service = await startService();
});

after(async () => {
  await service.close();
});

const bearer = { authorization: `Bearer ${INGEST_KEY.secret}` };
const OCCURRED = "2026-03-01T10:00:00Z";

function visit(id: string, subjectId: string) {
  return { id, type: "web.visit", subjectId, occurredAt: OCCURRED, source: "web" };
}

async function gpcSince(subjectId: string): Promise<number | undefined> {
  return (await service.store.consentView(subjectId)).gpcSince;
}

/** Sends the vector's request headers with a native event, a Segment call and a CloudEvent. */
async function viaHeaders(vector: GpcVector, index: number): Promise<string[]> {
  const headers = vector.request_headers ?? {};
  const subjects = [`gpc-h-${index}-native`, `gpc-h-${index}-segment`, `gpc-h-${index}-ce`];
  const [native, segment, cloud] = subjects as [string, string, string];
  const answers = [
    await service.server.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...bearer, ...headers },
      payload: visit(`gpc-h-${index}-e`, native),
    }),
    await service.server.inject({
      method: "POST",
      url: "/segment/v1/page",
      headers: { authorization: basicAuth(WRITE_KEY.secret), ...headers },
      payload: {
        userId: segment,
        messageId: `gpc-h-${index}-m`,
        name: "Pricing",
        timestamp: OCCURRED,
      },
    }),
    await postCloudEvent(new CloudEvent({ ...ceBase(`gpc-h-${index}-c`, cloud) }), headers),
  ];
  for (const answer of answers) assert.ok(answer.statusCode < 300, answer.body);
  return subjects;
}

/** Sends the script-side signal as the GPC field of a Segment call and of a CloudEvent. */
async function viaField(vector: GpcVector, index: number): Promise<string[]> {
  const flag = vector.navigator_globalPrivacyControl === true;
  const segment = `gpc-f-${index}-segment`;
  const cloud = `gpc-f-${index}-ce`;
  const call = {
    type: "page",
    userId: segment,
    messageId: `gpc-f-${index}-m`,
    name: "Pricing",
    timestamp: OCCURRED,
    context: { gpc: flag },
  };
  const answers = [
    await service.server.inject({
      method: "POST",
      url: "/segment/v1/batch",
      headers: { authorization: basicAuth(WRITE_KEY.secret) },
      payload: { batch: [call] },
    }),
    await postCloudEvent(new CloudEvent({ ...ceBase(`gpc-f-${index}-c`, cloud), gpc: flag })),
  ];
  for (const answer of answers) assert.ok(answer.statusCode < 300, answer.body);
  return [segment, cloud];
}

function ceBase(id: string, subject: string) {
  return { id, type: "web.visit", source: "web", subject, time: OCCURRED, data: {} };
}

/** The SDK's headers as strings (it renders a boolean extension as the value true). */
function textHeaders(headers: object): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

function postCloudEvent(event: CloudEvent<unknown>, headers: Record<string, string> = {}) {
  const message = HTTP.binary(event);
  return service.server.inject({
    method: "POST",
    url: "/v1/cloudevents",
    headers: { ...bearer, ...textHeaders(message.headers), ...headers },
    payload: String(message.body),
  });
}

describe("GPC vectors", () => {
  for (const [index, vector] of vectors.entries()) {
    test(`${vector.name}`, async () => {
      if (vector.path !== undefined) {
        const response = await service.server.inject({ method: "GET", url: vector.path });
        assert.equal(response.statusCode, 200);
        const body = response.json();
        assert.equal(typeof body.gpc, vector.body ? typeof vector.body.gpc : "boolean");
        assert.equal(body.gpc, true);
        assert.match(body.lastUpdate, /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(vector.expected.valid, true);
        return;
      }
      const subjects =
        vector.navigator_globalPrivacyControl === undefined
          ? await viaHeaders(vector, index)
          : await viaField(vector, index);
      for (const subjectId of subjects) {
        const since = await gpcSince(subjectId);
        assert.equal(since !== undefined, vector.expected.gpc, `${subjectId}: gpc recorded?`);
        if (since !== undefined)
          assert.equal(since, Date.parse(OCCURRED), "recorded with its time");
      }
    });
  }
});

describe("GPC opts out at the decision", () => {
  test("Sec-GPC: 1 on the request suppresses the campaign it triggers (gpc_opt_out)", async () => {
    const subjectId = "gpc-decide-1";
    const now = new Date().toISOString();
    const setup = await service.server.inject({
      method: "POST",
      url: "/v1/events",
      headers: bearer,
      payload: {
        events: [
          {
            ...visit("gpc-d-1", subjectId),
            type: "contact.updated",
            source: "crm",
            occurredAt: now,
            data: { channel: "email", jurisdiction: "NL" },
          },
          {
            ...visit("gpc-d-2", subjectId),
            type: "retail.profile_refreshed",
            source: "crm",
            occurredAt: now,
            data: {
              "retail.recency": 2,
              "retail.history": 310.5,
              "retail.mens": false,
              "retail.womens": true,
              "retail.zip_code": "Urban",
              "retail.newbie": false,
              "retail.channel": "Web",
            },
          },
        ],
      },
    });
    assert.equal(setup.statusCode, 202, setup.body);
    // The subject opted in to the campaigns a second before; the ledger has the grant.
    await service.store.withSubject(subjectId, (tx) =>
      tx.appendConsent({
        id: "gpc-grant-1",
        subjectId,
        purpose: "marketing.campaigns",
        channel: "email",
        kind: "grant",
        capturedAt: Date.parse(now) - 1000,
        source: "web",
        evidence: "form-1",
      }),
    );

    const slot = await service.server.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...bearer, "sec-gpc": "1" },
      payload: {
        ...visit("gpc-d-3", subjectId),
        type: "campaign.slot_opened",
        source: "crm",
        occurredAt: now,
      },
    });

    assert.equal(slot.statusCode, 202, slot.body);
    const outcomes = slot.json();
    assert.equal(outcomes.length, 1, "one outcome per event sent; the signal is not one of them");
    assert.equal(outcomes[0].eventId, "gpc-d-3");
    const [decision] = outcomes[0].decisions;
    assert.equal(decision?.nodeId, "category-campaign");
    assert.equal(decision?.outcome, "suppress");
    assert.equal(decision?.reason, "gpc_opt_out");
  });

  test("a bad event sent with Sec-GPC: 1 is refused counting the sender's events, not the signal", async () => {
    const subjectId = "gpc-bad-1";
    const response = await service.server.inject({
      method: "POST",
      url: "/v1/events",
      headers: { ...bearer, "sec-gpc": "1" },
      payload: { ...visit("gpc-bad-e-1", subjectId), data: { "x.undeclared": 1 } },
    });

    assert.equal(response.statusCode, 422, response.body);
    assert.equal(response.json().detail, "1 field is wrong in 1 event; nothing was stored");
    assert.deepEqual(
      response.json().errors.map((problem: { pointer: string }) => problem.pointer),
      ["/data/x.undeclared"],
    );
    assert.equal(await gpcSince(subjectId), undefined, "the signal is not recorded either");
  });
});
