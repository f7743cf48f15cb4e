import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkPermission, type PermissionRequest } from "../../src/consent/permission.ts";
import { isoInstant } from "../../src/engine/instant-format.ts";
import { isReasonCode } from "../../src/engine/reasons.ts";
import type {
  ConsentRecord,
  ConsentView,
  LawfulBasis,
  Purpose,
  SuppressionRecord,
} from "../../src/engine/types.ts";

const AT = Date.parse("2025-03-01T12:00:00.000Z");
const GRANTED = Date.parse("2025-01-02T10:00:00.000Z");

const campaigns: Purpose = {
  id: "marketing.campaigns",
  kind: "marketing",
  marks: [],
  description: "",
};
const retargeting: Purpose = {
  ...campaigns,
  id: "marketing.retargeting",
  marks: ["targeted_advertising"],
};
const claims: Purpose = {
  id: "service.claim_updates",
  kind: "service",
  marks: [],
  description: "",
};

function grant(id: string, extra: Partial<ConsentRecord> = {}): ConsentRecord {
  const base = {
    id,
    subjectId: "alice@example.com",
    purpose: campaigns.id,
    channel: "email" as const,
  };
  return {
    ...base,
    kind: "grant",
    capturedAt: GRANTED,
    source: "web",
    evidence: "form-7",
    ...extra,
  };
}

function view(extra: Partial<ConsentView> = {}): ConsentView {
  const contacts = { email: { jurisdiction: "US" }, sms: { jurisdiction: "US" } };
  return { subjectId: "alice@example.com", records: [], suppressions: [], contacts, ...extra };
}

function request(extra: Partial<PermissionRequest> = {}): PermissionRequest {
  return { purpose: campaigns, basis: "consent", channel: "email", at: AT, ...extra };
}

function suppression(reason: SuppressionRecord["reason"]): SuppressionRecord {
  return { id: "s-1", subjectId: "alice@example.com", reason, channel: "*", since: GRANTED };
}

describe("checkPermission: results", () => {
  test("a grant gives ok with the record as evidence and a one-line detail", () => {
    const result = checkPermission(view({ records: [grant("c-12")] }), request());
    assert.deepEqual(result, {
      ok: true,
      evidence: ["c-12"],
      detail: "consent c-12 granted 2025-01-02T10:00:00.000Z for marketing.campaigns on email",
    });
  });

  test("every refusal reason is a reason code of the shared vocabulary", () => {
    const reasons = [
      checkPermission(view(), request({ basis: "contract" })),
      checkPermission(view(), request()),
      checkPermission(view({ records: [grant("c", { kind: "withdrawal" })] }), request()),
      checkPermission(view({ records: [grant("c", { expiresAt: GRANTED })] }), request()),
      checkPermission(view({ records: [grant("c", { kind: "objection" })] }), request()),
      checkPermission(view({ suppressions: [suppression("unsubscribed")] }), request()),
      checkPermission(view({ gpcSince: GRANTED }), request({ purpose: retargeting })),
    ].map((result) => (result.ok ? "ok" : result.reason));
    assert.deepEqual(reasons, [
      "no_lawful_basis",
      "consent_missing",
      "consent_withdrawn",
      "consent_expired",
      "objection",
      "suppressed_globally",
      "gpc_opt_out",
    ]);
    for (const reason of reasons) assert.ok(isReasonCode(reason), reason);
  });

  test("details carry ids only: no subject id, evidence reference or source", () => {
    const records = [grant("c-1"), grant("c-2", { kind: "withdrawal", capturedAt: GRANTED + 1 })];
    const bases: LawfulBasis[] = ["consent", "legitimate_interests", "contract"];
    for (const basis of bases) {
      const { detail } = checkPermission(view({ records }), request({ basis }));
      for (const secret of ["alice", "form-7", "web"]) assert.ok(!detail.includes(secret), detail);
    }
  });

  test("an instant outside the Date range never throws", () => {
    assert.equal(isoInstant(Number.NaN), "NaN");
    assert.equal(isoInstant(1e300), "1e+300");
    const result = checkPermission(
      view({ records: [grant("c", { capturedAt: -1e300 })] }),
      request(),
    );
    assert.equal(result.ok, true);
  });
});

describe("checkPermission: order of checks", () => {
  const everything = view({
    records: [grant("c-1", { purpose: retargeting.id, kind: "objection" })],
    suppressions: [suppression("unsubscribed")],
    gpcSince: GRANTED,
    contacts: { email: { jurisdiction: "DE" } },
  });

  function reason(v: ConsentView, r: PermissionRequest): string {
    const result = checkPermission(v, r);
    return result.ok ? "ok" : result.reason;
  }

  test("GPC first, then suppression, then the jurisdiction rule, then the basis", () => {
    const li = request({ purpose: retargeting, basis: "legitimate_interests" });
    assert.equal(reason(everything, li), "gpc_opt_out");
    assert.equal(reason({ ...everything, gpcSince: undefined }, li), "suppressed_globally");
    const noSuppression = { ...everything, gpcSince: undefined, suppressions: [] };
    assert.equal(reason(noSuppression, li), "no_lawful_basis");
    const us = { ...noSuppression, contacts: { email: { jurisdiction: "US" } } };
    assert.equal(reason(us, li), "objection");
  });
});

describe("checkPermission: jurisdiction rules", () => {
  const sms = { ...request(), channel: "sms" as const };

  test("US marketing SMS names express written consent in the detail", () => {
    const result = checkPermission(view({ records: [grant("c-1", { channel: "sms" })] }), sms);
    assert.equal(result.ok, false);
    assert.match(result.detail, /express written consent/);
    assert.match(result.detail, /us-sms-marketing/);
  });

  test("US marketing SMS with express consent is ok", () => {
    const records = [grant("c-1", { channel: "sms", express: true })];
    assert.equal(checkPermission(view({ records }), sms).ok, true);
  });

  test("EU soft opt-in permits legitimate interests, and only that basis", () => {
    const records = [grant("c-1", { kind: "soft_opt_in" })];
    const eu = view({ records, contacts: { email: { jurisdiction: "FR" } } });
    assert.equal(checkPermission(eu, request({ basis: "legitimate_interests" })).ok, true);
    assert.equal(checkPermission(eu, request()).ok, false);
  });
});

describe("checkPermission: suppression rules", () => {
  function blocks(reason: SuppressionRecord["reason"], purpose: Purpose, basis: LawfulBasis) {
    const records = [grant("c-1", { purpose: purpose.id })];
    const v = view({ records, suppressions: [suppression(reason)] });
    return !checkPermission(v, request({ purpose, basis })).ok;
  }

  test("the table: which suppression blocks which purpose and basis", () => {
    assert.equal(blocks("hard_bounce", claims, "vital_interests"), true);
    assert.equal(blocks("unsubscribed", campaigns, "consent"), true);
    assert.equal(blocks("unsubscribed", claims, "contract"), false);
    assert.equal(blocks("complaint", campaigns, "legitimate_interests"), true);
    assert.equal(blocks("complaint", claims, "contract"), false);
    assert.equal(blocks("do_not_contact", claims, "contract"), true);
    assert.equal(blocks("do_not_contact", claims, "public_task"), true);
    assert.equal(blocks("do_not_contact", claims, "legal_obligation"), false);
    assert.equal(blocks("do_not_contact", claims, "vital_interests"), false);
  });
});
