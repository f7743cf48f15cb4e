import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { consentAsOf, latestRecord, NO_CONSENT } from "../../src/consent/ledger.ts";
import type { ConsentRecord } from "../../src/engine/types.ts";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const DAY = 86_400_000;
const PURPOSE = "marketing.campaigns";

function record(
  id: string,
  kind: ConsentRecord["kind"],
  day: number,
  extra: Partial<ConsentRecord> = {},
): ConsentRecord {
  const base = { id, subjectId: "s-1", purpose: PURPOSE, channel: "email" as const, kind };
  return { ...base, capturedAt: T0 + day * DAY, source: "test", evidence: `e-${id}`, ...extra };
}

function statusAt(records: readonly ConsentRecord[], day: number) {
  return consentAsOf(records, PURPOSE, "email", T0 + day * DAY).status;
}

describe("consentAsOf: the latest record by capture time wins", () => {
  test("no record gives the shared none state", () => {
    assert.equal(consentAsOf([], PURPOSE, "email", T0), NO_CONSENT);
    assert.equal(NO_CONSENT.record, undefined);
  });

  test("each kind maps to its status", () => {
    assert.equal(statusAt([record("a", "grant", 1)], 2), "granted");
    assert.equal(statusAt([record("a", "pending", 1)], 2), "pending");
    assert.equal(statusAt([record("a", "withdrawal", 1)], 2), "withdrawn");
    assert.equal(statusAt([record("a", "objection", 1)], 2), "objected");
    assert.equal(statusAt([record("a", "soft_opt_in", 1)], 2), "soft_opt_in");
  });

  test("a withdrawal takes effect from its own timestamp, not its position", () => {
    const records = [
      record("w", "withdrawal", 3),
      record("g1", "grant", 1),
      record("g2", "grant", 5),
    ];
    assert.equal(statusAt(records, 2), "granted");
    assert.equal(statusAt(records, 3), "withdrawn");
    assert.equal(statusAt(records, 4), "withdrawn");
    assert.equal(statusAt(records, 5), "granted");
  });

  test("records for another purpose or channel are ignored", () => {
    const records = [
      record("p", "grant", 1, { purpose: "other" }),
      record("s", "grant", 1, { channel: "sms" }),
    ];
    assert.equal(statusAt(records, 2), "none");
  });
});

describe("consentAsOf: expiry", () => {
  const grant = record("g", "grant", 1, { expiresAt: T0 + 5 * DAY });

  test("a grant expires exactly at expiresAt", () => {
    assert.equal(consentAsOf([grant], PURPOSE, "email", T0 + 5 * DAY).status, "expired");
    assert.equal(consentAsOf([grant], PURPOSE, "email", T0 + 5 * DAY - 1).status, "granted");
  });

  test("a soft opt-in lapses too (fail closed)", () => {
    const soft = record("s", "soft_opt_in", 1, { expiresAt: T0 + 5 * DAY });
    assert.equal(statusAt([soft], 4), "soft_opt_in");
    assert.equal(statusAt([soft], 5), "expired");
  });

  test("expiresAt on a pending or a withdrawal changes nothing", () => {
    const expiresAt = T0 + 2 * DAY;
    assert.equal(statusAt([record("p", "pending", 1, { expiresAt })], 3), "pending");
    assert.equal(statusAt([record("w", "withdrawal", 1, { expiresAt })], 3), "withdrawn");
  });

  test("the expired state still names the grant as evidence", () => {
    assert.equal(consentAsOf([grant], PURPOSE, "email", T0 + 6 * DAY).record, grant);
  });
});

describe("latestRecord: ties at the same instant fail closed", () => {
  function winner(...records: ConsentRecord[]): string | undefined {
    const forward = latestRecord(records, PURPOSE, "email", T0 + 10 * DAY)?.id;
    const backward = latestRecord([...records].reverse(), PURPOSE, "email", T0 + 10 * DAY)?.id;
    assert.equal(forward, backward, "the winner must not depend on the order of records");
    return forward;
  }

  test("a channel-specific record beats a * record", () => {
    assert.equal(
      winner(record("s", "grant", 1), record("w", "withdrawal", 1, { channel: "*" })),
      "s",
    );
  });

  test("a later * record beats an earlier specific one", () => {
    assert.equal(
      winner(record("s", "grant", 1), record("w", "withdrawal", 2, { channel: "*" })),
      "w",
    );
  });

  test("objection > withdrawal > pending > soft opt-in > grant", () => {
    const kinds = ["grant", "soft_opt_in", "pending", "withdrawal", "objection"] as const;
    for (let i = 1; i < kinds.length; i += 1) {
      const stronger = kinds[i] ?? "grant";
      for (const weaker of kinds.slice(0, i)) {
        assert.equal(
          winner(record("b", weaker, 1), record("a", stronger, 1)),
          "a",
          `${stronger} > ${weaker}`,
        );
      }
    }
  });

  test("between two grants the earlier expiry wins, then the one without express consent", () => {
    const late = record("a", "grant", 1, { expiresAt: T0 + 30 * DAY });
    assert.equal(winner(late, record("b", "grant", 1, { expiresAt: T0 + 20 * DAY })), "b");
    assert.equal(
      winner(record("a", "grant", 1), record("b", "grant", 1, { expiresAt: T0 + 90 * DAY })),
      "b",
    );
    assert.equal(winner(record("a", "grant", 1, { express: true }), record("b", "grant", 1)), "b");
  });

  test("all else equal, the smaller id wins", () => {
    assert.equal(winner(record("b", "grant", 1), record("a", "grant", 1)), "a");
  });
});
