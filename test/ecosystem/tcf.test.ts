import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { decodeTcString, type TcChoices, tcfRecords } from "../../src/consent/tcf.ts";
import type { TcfSpec } from "../../src/playbook/catalog.ts";
import { sharedDataFile } from "../support/shared-data.ts";
import {
  assertNothingWritten,
  basicAuth,
  INGEST_KEY,
  type Service,
  startService,
  WRITE_KEY,
} from "./support.ts";

/**
 * IAB TCF v2 strings at ingest: every case of the shared vector file is decoded with
 * @iabtcf/core and checked field by field against its independently derived values, then
 * turned into ledger records by the catalog's tcf: rules, through the API as well.
 */

interface Vector {
  readonly name: string;
  readonly tcString: string;
  readonly expected: {
    readonly version: number;
    readonly cmpId: number;
    readonly lastUpdatedDeciseconds: number;
    readonly purposeConsents: number[];
    readonly purposeLegitimateInterests: number[];
    readonly vendorConsents: number[];
    readonly vendorLegitimateInterests: number[];
  };
  readonly publisherTC: {
    readonly pubPurposeConsents: number[];
    readonly pubPurposeLegitimateInterests: number[];
    readonly customPurposeConsents: number[];
    readonly customPurposeLegitimateInterests: number[];
  } | null;
}

const { vectors }: { vectors: Vector[] } = JSON.parse(
  readFileSync(sharedDataFile("iab-tcf-v2-vectors.json"), "utf8"),
);

const sorted = (ids: ReadonlySet<number>) => [...ids].sort((a, b) => a - b);

function decoded(vector: Vector): TcChoices {
  const result = decodeTcString(vector.tcString);
  if (!result.ok) throw new Error(`${vector.name}: ${result.problem}`);
  return result.choices;
}

/** What the vector says a signal is, from its own lists (not from the decoder). */
function vectorHas(vector: Vector, signal: string, kind: "consent" | "interest"): boolean {
  const [scope, idText] = signal.split(".");
  const id = Number(idText);
  const pub = vector.publisherTC;
  const lists = {
    purpose: [vector.expected.purposeConsents, vector.expected.purposeLegitimateInterests],
    publisher: [pub?.pubPurposeConsents ?? [], pub?.pubPurposeLegitimateInterests ?? []],
    custom: [pub?.customPurposeConsents ?? [], pub?.customPurposeLegitimateInterests ?? []],
  } as const;
  const [consents, interests] = lists[scope as keyof typeof lists];
  return (kind === "consent" ? consents : interests).includes(id);
}

const SPEC: TcfSpec = {
  expiresAfterMs: 86_400_000,
  purposes: {
    "marketing.campaigns": { consent: ["purpose.1", "purpose.3"], legitimate_interest: [] },
    "marketing.loyalty": { consent: ["purpose.2"], legitimate_interest: ["purpose.8"] },
    "marketing.product_news": { consent: ["custom.1"], legitimate_interest: ["custom.1"] },
    "service.onboarding": { consent: [], legitimate_interest: ["publisher.2", "publisher.7"] },
  },
};

describe("TC strings decoded with @iabtcf/core match every shared vector", () => {
  for (const vector of vectors) {
    test(`${vector.name}: every decoded field is the vector's`, () => {
      const choices = decoded(vector);
      const { expected } = vector;
      assert.equal(choices.version, expected.version);
      assert.equal(choices.cmpId, expected.cmpId);
      assert.equal(choices.lastUpdated, expected.lastUpdatedDeciseconds * 100);
      assert.deepEqual(sorted(choices.purposeConsents), expected.purposeConsents);
      assert.deepEqual(sorted(choices.purposeInterests), expected.purposeLegitimateInterests);
      assert.deepEqual(sorted(choices.vendorConsents), expected.vendorConsents);
      assert.deepEqual(sorted(choices.vendorInterests), expected.vendorLegitimateInterests);
      const pub = vector.publisherTC;
      assert.deepEqual(sorted(choices.publisherConsents), pub?.pubPurposeConsents ?? []);
      assert.deepEqual(
        sorted(choices.publisherInterests),
        pub?.pubPurposeLegitimateInterests ?? [],
      );
      assert.deepEqual(sorted(choices.customConsents), pub?.customPurposeConsents ?? []);
      assert.deepEqual(
        sorted(choices.customInterests),
        pub?.customPurposeLegitimateInterests ?? [],
      );
    });

    test(`${vector.name}: records are a grant only when every consent signal is given, an objection when an interest is missing`, () => {
      const choices = decoded(vector);
      const origin = { subjectId: "s-1", eventId: "e-1", source: "cmp", tcString: vector.tcString };
      const records = tcfRecords(choices, SPEC, origin);

      // In purpose order; per purpose the consent record, then the objection.
      const expected = Object.entries(SPEC.purposes).flatMap(([purpose, rule]) => {
        const kinds: string[] = [];
        if (rule.consent.length > 0) {
          const all = rule.consent.every((signal) => vectorHas(vector, signal, "consent"));
          kinds.push(`${purpose} ${all ? "grant" : "withdrawal"}`);
        }
        if (!rule.legitimate_interest.every((signal) => vectorHas(vector, signal, "interest"))) {
          kinds.push(`${purpose} objection`);
        }
        return kinds;
      });
      assert.deepEqual(
        records.map((record) => `${record.purpose} ${record.kind}`),
        expected,
      );
      const lastUpdated = vector.expected.lastUpdatedDeciseconds * 100;
      for (const record of records) {
        assert.equal(record.capturedAt, lastUpdated);
        assert.equal(record.channel, "*");
        assert.equal(record.evidence, vector.tcString, "the string itself is the evidence");
        const expiry = record.kind === "grant" ? lastUpdated + 86_400_000 : undefined;
        assert.equal(record.expiresAt, expiry);
      }
    });
  }

  test("with our vendor id, a purpose consent also needs the vendor's consent", () => {
    const [vector] = vectors;
    assert.ok(vector !== undefined);
    const choices = decoded(vector);
    const origin = { subjectId: "s-1", eventId: "e-1", source: "cmp", tcString: vector.tcString };
    const rule = { consent: ["purpose.1"], legitimate_interest: ["purpose.3"] };
    const kinds = (vendor: number) =>
      tcfRecords(choices, { vendor, purposes: { "marketing.campaigns": rule } }, origin).map(
        (record) => record.kind,
      );
    // Vendor 2 has consent but no legitimate interest; vendor 1 the reverse (vector lists).
    assert.ok(vector.expected.vendorConsents.includes(2));
    assert.ok(!vector.expected.vendorLegitimateInterests.includes(2));
    assert.deepEqual(kinds(2), ["grant", "objection"]);
    assert.ok(!vector.expected.vendorConsents.includes(1));
    assert.ok(vector.expected.vendorLegitimateInterests.includes(1));
    assert.deepEqual(kinds(1), ["withdrawal"]);
  });

  test("strings that are not TCF v2 are refused with the reason", () => {
    for (const text of [
      "",
      "not a tc string!",
      "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAAB",
      "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
    ]) {
      const result = decodeTcString(text);
      assert.equal(result.ok, false, `${JSON.stringify(text)} decoded`);
    }
  });
});

describe("TC strings through the API become consent records", () => {
  let service: Service;
  before(async () => {
    service = await startService();
  });
  after(async () => {
    await service.close();
  });

  const headers = { authorization: `Bearer ${INGEST_KEY.secret}` };
  const DAYS_395 = 395 * 86_400_000;

  for (const [index, vector] of vectors.entries()) {
    test(`${vector.name}: a tcf.signal records what the starter catalog's tcf: rules say`, async () => {
      const subjectId = `tcf-${index}`;
      const response = await service.server.inject({
        method: "POST",
        url: "/v1/events",
        headers,
        payload: {
          id: `tcf-e-${index}`,
          type: "tcf.signal",
          subjectId,
          occurredAt: "2026-03-01T10:00:00Z",
          source: "cmp",
          data: { tcString: vector.tcString },
        },
      });
      assert.equal(response.statusCode, 202, response.body);

      // examples/catalog.yaml: campaigns need purposes 3 and 4; loyalty objects without custom.1.
      const campaigns = ["purpose.3", "purpose.4"].every((s) => vectorHas(vector, s, "consent"));
      const loyaltyObjects = !vectorHas(vector, "custom.1", "interest");
      const lastUpdated = vector.expected.lastUpdatedDeciseconds * 100;
      const expected = [
        {
          purpose: "marketing.campaigns",
          kind: campaigns ? "grant" : "withdrawal",
          expiresAt: campaigns ? lastUpdated + DAYS_395 : undefined,
        },
        ...(loyaltyObjects
          ? [{ purpose: "marketing.loyalty", kind: "objection", expiresAt: undefined }]
          : []),
      ];
      const view = await service.store.consentView(subjectId);
      const records = view.records.map(({ purpose, kind, expiresAt }) => ({
        purpose,
        kind,
        expiresAt,
      }));
      assert.deepEqual(
        records.sort((a, b) => a.purpose.localeCompare(b.purpose)),
        expected,
      );
      assert.ok(view.records.every((record) => record.evidence === vector.tcString));
      assert.ok(view.records.every((record) => record.capturedAt === lastUpdated));
    });
  }

  test("a TC string in a Segment call's context is recorded before the call's event", async () => {
    const [vector] = vectors;
    assert.ok(vector !== undefined);
    const response = await service.server.inject({
      method: "POST",
      url: "/segment/v1/batch",
      headers: { authorization: basicAuth(WRITE_KEY.secret) },
      payload: {
        batch: [
          {
            type: "identify",
            userId: "tcf-seg-1",
            messageId: "tcf-seg-m-1",
            traits: { plan: "team" },
            context: { consent: { tcString: vector.tcString } },
          },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().results[0].signals, ["tcf.signal"]);
    const view = await service.store.consentView("tcf-seg-1");
    assert.ok(view.records.length > 0);
    assert.ok(view.records.every((record) => record.id.startsWith("tcf/tcf-seg-m-1/tcf/")));
  });

  test("an undecodable TC string is 422 naming the field, and nothing is written", async () => {
    const native = await service.server.inject({
      method: "POST",
      url: "/v1/events",
      headers,
      payload: {
        events: [
          {
            id: "tcf-bad-0",
            type: "web.visit",
            subjectId: "tcf-bad-1",
            occurredAt: "2026-03-01T10:00:00Z",
            source: "web",
          },
          {
            id: "tcf-bad-1",
            type: "tcf.signal",
            subjectId: "tcf-bad-1",
            occurredAt: "2026-03-01T10:00:00Z",
            source: "cmp",
            data: { tcString: "CLcVDxRMWfGm!!" },
          },
        ],
      },
    });
    const segment = await service.server.inject({
      method: "POST",
      url: "/segment/v1/batch",
      headers: { authorization: basicAuth(WRITE_KEY.secret) },
      payload: {
        batch: [
          {
            type: "identify",
            userId: "tcf-bad-2",
            messageId: "tcf-bad-2",
            traits: { plan: "team" },
            context: { consent: { tcString: "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA" } },
          },
        ],
      },
    });

    assert.equal(native.statusCode, 422);
    assert.equal(native.json().code, "invalid_consent");
    assert.deepEqual(
      native.json().errors.map((e: { pointer: string }) => e.pointer),
      ["/events/1/data/tcString"],
    );
    assert.match(native.json().errors[0].detail, /IAB TCF v2 TC string/);
    assert.equal(segment.statusCode, 422);
    assert.deepEqual(
      segment.json().errors.map((e: { pointer: string }) => e.pointer),
      ["/batch/0/context/consent/tcString"],
    );
    await assertNothingWritten(service.store, "tcf-bad-1");
    await assertNothingWritten(service.store, "tcf-bad-2");
  });
});
