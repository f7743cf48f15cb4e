import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { consentAsOf } from "../../src/consent/ledger.ts";
import { checkPermission, type PermissionRequest } from "../../src/consent/permission.ts";
import { isReasonCode } from "../../src/engine/reasons.ts";
import {
  type Channel,
  type ConsentKind,
  type ConsentRecord,
  type ConsentView,
  LAWFUL_BASES,
  type Purpose,
  SUPPRESSION_REASONS,
  type SuppressionRecord,
} from "../../src/engine/types.ts";
import { propertyRuns } from "../support/property-runs.ts";

const numRuns = propertyRuns();

// ------------------------------------------------------------------ generators

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const KINDS: readonly ConsentKind[] = [
  "grant",
  "pending",
  "withdrawal",
  "objection",
  "soft_opt_in",
];
const PURPOSES: readonly Purpose[] = [
  { id: "marketing.campaigns", kind: "marketing", marks: [], description: "" },
  {
    id: "marketing.retargeting",
    kind: "marketing",
    marks: ["targeted_advertising"],
    description: "",
  },
  { id: "service.claim_updates", kind: "service", marks: [], description: "" },
];
const CHANNELS: readonly Channel[] = ["email", "sms", "push"];
const SECRET = "subject-secret@example.com";

/** Instants on a coarse grid, so that ties at the same instant are frequent. */
const instant = fc.integer({ min: 0, max: 30 }).map((step) => T0 + step * 1000);
const optionalInstant = fc.option(instant, { nil: undefined });
const recordChannel = fc.constantFrom<Channel | "*">("email", "sms", "*");

const recordFields = fc.record({
  purpose: fc.constantFrom(...PURPOSES.map((purpose) => purpose.id)),
  channel: recordChannel,
  kind: fc.constantFrom(...KINDS),
  capturedAt: instant,
  expiresAt: optionalInstant,
  express: fc.option(fc.boolean(), { nil: undefined }),
});

/** A ledger history with unique ids; subject id, source and evidence are "personal". */
const history = fc.array(recordFields, { maxLength: 14 }).map((fields) =>
  fields.map(
    (f, i): ConsentRecord => ({
      ...f,
      id: `c-${i}`,
      subjectId: SECRET,
      source: "secret-source",
      evidence: "secret-evidence",
    }),
  ),
);

const suppressions = fc
  .array(
    fc.record({
      reason: fc.constantFrom(...SUPPRESSION_REASONS),
      channel: recordChannel,
      since: instant,
      liftedAt: optionalInstant,
    }),
    { maxLength: 3 },
  )
  .map((list) =>
    list.map((s, i): SuppressionRecord => ({ ...s, id: `s-${i}`, subjectId: SECRET })),
  );

const jurisdiction = fc.constantFrom("US", "US-CA", "DE", "GB", "EU", "UK", "BR");
const contacts = fc.record(
  { email: fc.record({ jurisdiction }), sms: fc.record({ jurisdiction }) },
  { requiredKeys: [] },
);

const view = fc
  .record({ records: history, suppressions, gpcSince: optionalInstant, contacts })
  .map((v): ConsentView => ({ subjectId: SECRET, ...v }));

const request = fc.record({
  purpose: fc.constantFrom(...PURPOSES),
  basis: fc.constantFrom(...LAWFUL_BASES),
  channel: fc.constantFrom(...CHANNELS),
  at: instant,
});

const query = fc.record({
  purpose: fc.constantFrom(...PURPOSES.map((purpose) => purpose.id)),
  channel: fc.constantFrom<Channel>("email", "sms"),
  at: instant,
});

// ------------------------------------------------------------------ reference model

const RANK: Readonly<Record<ConsentKind, number>> = {
  grant: 0,
  soft_opt_in: 1,
  pending: 2,
  withdrawal: 3,
  objection: 4,
};

/** The documented precedence as a sort comparator: the winner sorts first. */
function precedence(a: ConsentRecord, b: ConsentRecord): number {
  const expiry = (r: ConsentRecord) => r.expiresAt ?? Number.POSITIVE_INFINITY;
  const express = (r: ConsentRecord) => (r.express === true ? 1 : 0);
  const specific = (r: ConsentRecord) => (r.channel === "*" ? 0 : 1);
  return (
    b.capturedAt - a.capturedAt ||
    specific(b) - specific(a) ||
    RANK[b.kind] - RANK[a.kind] ||
    (expiry(a) === expiry(b) ? 0 : expiry(a) < expiry(b) ? -1 : 1) ||
    express(a) - express(b) ||
    (a.id < b.id ? -1 : 1)
  );
}

/** Filter, sort, take the first: slow and obvious, to check the one-pass ledger against. */
function referenceWinner(
  records: readonly ConsentRecord[],
  q: { purpose: string; channel: Channel; at: number },
): ConsentRecord | undefined {
  return records
    .filter((r) => r.purpose === q.purpose && r.capturedAt <= q.at)
    .filter((r) => r.channel === q.channel || r.channel === "*")
    .sort(precedence)[0];
}

function asOf(
  records: readonly ConsentRecord[],
  q: { purpose: string; channel: Channel; at: number },
) {
  return consentAsOf(records, q.purpose, q.channel, q.at);
}

function isLiveGrant(record: ConsentRecord | undefined, at: number): boolean {
  return record?.kind === "grant" && (record.expiresAt === undefined || record.expiresAt > at);
}

// ------------------------------------------------------------------ ledger

describe("consentAsOf properties", () => {
  test("agrees with the filter-and-sort reference model", () => {
    fc.assert(
      fc.property(history, query, (records, q) => {
        assert.equal(asOf(records, q).record, referenceWinner(records, q));
      }),
      { numRuns },
    );
  });

  test("does not depend on the order of the records", () => {
    const shuffled = history.chain((records) =>
      fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length })),
    );
    fc.assert(
      fc.property(shuffled, query, ([records, permuted], q) => {
        assert.deepEqual(asOf(permuted, q), asOf(records, q));
      }),
      { numRuns },
    );
  });

  test("a grant captured after every other record gives granted while unexpired", () => {
    const laterGrant = fc.record({
      specific: fc.boolean(),
      after: fc.integer({ min: 1, max: 1000 }),
      lasts: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
      wait: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(history, query, laterGrant, (records, q, g) => {
        const last = Math.max(T0, ...records.map((r) => r.capturedAt));
        const capturedAt = last + g.after;
        const expiresAt = g.lasts === undefined ? undefined : capturedAt + g.lasts;
        const channel = g.specific ? q.channel : "*";
        const base = { id: "latest", subjectId: SECRET, source: "s", evidence: "e" };
        const grant: ConsentRecord = {
          ...base,
          purpose: q.purpose,
          channel,
          kind: "grant",
          capturedAt,
          expiresAt,
        };
        const at = capturedAt + g.wait;
        const state = asOf([...records, grant], { ...q, at });
        const expired = expiresAt !== undefined && expiresAt <= at;
        assert.equal(state.status, expired ? "expired" : "granted");
        assert.equal(state.record, grant);
      }),
      { numRuns },
    );
  });

  test("a record captured after the instant never changes the state at that instant", () => {
    fc.assert(
      fc.property(
        history,
        recordFields,
        query,
        fc.integer({ min: 1, max: 5000 }),
        (records, f, q, d) => {
          const future: ConsentRecord = {
            ...f,
            id: "future",
            subjectId: SECRET,
            source: "s",
            evidence: "e",
            capturedAt: q.at + d,
          };
          assert.deepEqual(asOf([...records, future], q), asOf(records, q));
        },
      ),
      { numRuns },
    );
  });
});

// ------------------------------------------------------------------ permission

describe("checkPermission properties", () => {
  test("never ok for basis consent unless the latest record is a live grant", () => {
    fc.assert(
      fc.property(view, request, (v, r) => {
        const consentRequest: PermissionRequest = { ...r, basis: "consent" };
        const latest = consentAsOf(v.records, r.purpose.id, r.channel, r.at).record;
        if (!isLiveGrant(latest, r.at)) assert.equal(checkPermission(v, consentRequest).ok, false);
      }),
      { numRuns },
    );
  });

  test("when ok on basis consent, the evidence is exactly the latest grant", () => {
    fc.assert(
      fc.property(view, request, (v, r) => {
        const result = checkPermission(v, { ...r, basis: "consent" });
        const latest = consentAsOf(v.records, r.purpose.id, r.channel, r.at).record;
        if (result.ok) assert.deepEqual(result.evidence, [latest?.id]);
      }),
      { numRuns },
    );
  });

  test("a withdrawal or objection in force refuses basis consent and legitimate interests", () => {
    const restrictive = fc.constantFrom<ConsentKind>("withdrawal", "objection");
    const basis = fc.constantFrom("consent" as const, "legitimate_interests" as const);
    fc.assert(
      fc.property(view, request, restrictive, basis, (v, r, kind, b) => {
        const last = Math.max(T0, ...v.records.map((record) => record.capturedAt));
        const base = { id: "stop", subjectId: SECRET, source: "s", evidence: "e" };
        const stop: ConsentRecord = {
          ...base,
          purpose: r.purpose.id,
          channel: r.channel,
          kind,
          capturedAt: last + 1,
        };
        const at = Math.max(r.at, last + 1);
        const result = checkPermission(
          { ...v, records: [...v.records, stop] },
          { ...r, basis: b, at },
        );
        assert.equal(result.ok, false);
      }),
      { numRuns },
    );
  });

  test("necessity bases for service purposes ignore the ledger", () => {
    const necessity = fc.constantFrom(
      "contract" as const,
      "legal_obligation" as const,
      "vital_interests" as const,
    );
    fc.assert(
      fc.property(view, request, necessity, (v, r, basis) => {
        const clean = { ...v, suppressions: [], gpcSince: undefined };
        const service = { ...r, purpose: PURPOSES[2] ?? r.purpose, basis };
        assert.deepEqual(checkPermission(clean, service).evidence, []);
        assert.equal(checkPermission(clean, service).ok, true);
      }),
      { numRuns },
    );
  });

  test("GPC in force refuses every marked purpose, whatever the basis", () => {
    fc.assert(
      fc.property(view, request, (v, r) => {
        const marked = { ...r, purpose: PURPOSES[1] ?? r.purpose };
        const result = checkPermission({ ...v, gpcSince: r.at }, marked);
        assert.equal(result.ok ? "ok" : result.reason, "gpc_opt_out");
      }),
      { numRuns },
    );
  });

  test("any view: a reason code, known evidence ids, no personal data in the detail", () => {
    fc.assert(
      fc.property(view, request, (v, r) => {
        const result = checkPermission(v, r);
        if (!result.ok) assert.ok(isReasonCode(result.reason));
        const known = new Set([
          "gpc",
          ...v.records.map((x) => x.id),
          ...v.suppressions.map((x) => x.id),
        ]);
        for (const id of result.evidence) assert.ok(known.has(id), id);
        assert.ok(!result.detail.includes("secret"), result.detail);
      }),
      { numRuns },
    );
  });
});
