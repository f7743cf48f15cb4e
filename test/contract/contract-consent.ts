import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../../src/store/store.ts";
import { consent, freshSubject, HOUR, suppression, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

const ids = (items: readonly { readonly id: string }[]) => items.map((item) => item.id);

/** Writes a small ledger: grant at T0, withdrawal at T0+2h, suppression T0+1h lifted T0+3h. */
async function ledger(store: Store, subject: string) {
  const grant = consent(subject, { capturedAt: T0, expiresAt: T0 + 100 * HOUR, express: true });
  const withdrawal = consent(subject, { kind: "withdrawal", capturedAt: T0 + 2 * HOUR });
  const unsub = suppression(subject, { since: T0 + HOUR, liftedAt: T0 + 3 * HOUR });
  await store.withSubject(subject, async (tx) => {
    await tx.appendConsent(withdrawal);
    await tx.appendConsent({ ...grant, jurisdiction: "DE" });
    await tx.appendSuppression(unsub);
    await tx.recordGpc(T0 + 2 * HOUR);
    await tx.setContact("email", "DE");
  });
  return { grant: { ...grant, jurisdiction: "DE" }, withdrawal, unsub };
}

/** The consent ledger: append-only records read as of an instant. */
export function consentContract(open: OpenStore): void {
  test("consent as of an instant includes only records captured at or before it", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const { grant, withdrawal, unsub } = await ledger(store, subject);

      const before = await store.consentView(subject, T0 - 1);
      assert.deepEqual([before.records, before.suppressions, before.gpcSince], [[], [], undefined]);

      const atOne = await store.consentView(subject, T0 + HOUR);
      assert.deepEqual(atOne.records, [grant]);
      const { liftedAt: _, ...inForce } = unsub;
      assert.deepEqual(atOne.suppressions, [inForce]);
      assert.equal(atOne.gpcSince, undefined);

      const atTwo = await store.consentView(subject, T0 + 2 * HOUR);
      assert.deepEqual(ids(atTwo.records), [grant.id, withdrawal.id]);
      assert.equal(atTwo.gpcSince, T0 + 2 * HOUR);
      assert.deepEqual(atTwo.contacts, { email: { jurisdiction: "DE" } });
    }));

  test("consent without an instant includes every record, oldest capture first", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const { grant, withdrawal, unsub } = await ledger(store, subject);
      const view = await store.consentView(subject);

      assert.deepEqual(view.records, [grant, withdrawal]);
      assert.deepEqual(view.suppressions, [unsub]);
      assert.equal(view.subjectId, subject);
    }));

  test("a transaction reads its own consent writes", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const record = consent(subject);
      const view = await store.withSubject(subject, async (tx) => {
        await tx.appendConsent(record);
        return tx.consentView();
      });
      assert.deepEqual(view.records, [record]);
    }));

  test("a consent view read early in a transaction shows its later writes", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const inside = await store.withSubject(subject, async (tx) => {
        await tx.consentView();
        await tx.appendConsent(consent(subject));
        await tx.consentView();
        await tx.appendSuppression(suppression(subject, { since: T0 + HOUR }));
        await tx.consentView();
        await tx.setContact("email", "DE");
        await tx.consentView();
        await tx.recordGpc(T0 + 2 * HOUR);
        return tx.consentView();
      });
      const outside = await store.consentView(subject);

      assert.equal(inside.records.length, 1);
      assert.equal(inside.suppressions.length, 1);
      assert.deepEqual(inside, outside);
    }));

  test("re-appending a consent record with the same id writes nothing", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const record = consent(subject);
      await store.withSubject(subject, (tx) => tx.appendConsent(record));
      await store.withSubject(subject, (tx) => tx.appendConsent({ ...record, kind: "objection" }));
      assert.deepEqual((await store.consentView(subject)).records, [record]);
    }));

  test("a suppression is lifted by appending it again with liftedAt", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const unsub = suppression(subject);
      await store.withSubject(subject, (tx) => tx.appendSuppression(unsub));
      await store.withSubject(subject, (tx) =>
        tx.appendSuppression({ ...unsub, liftedAt: T0 + 9 }),
      );
      await store.withSubject(subject, (tx) => tx.appendSuppression(unsub));
      assert.deepEqual((await store.consentView(subject)).suppressions, [
        { ...unsub, liftedAt: T0 + 9 },
      ]);
    }));

  test("GPC keeps the first instant it was seen; a contact keeps its latest jurisdiction", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      await store.withSubject(subject, async (tx) => {
        await tx.recordGpc(T0 + HOUR);
        await tx.recordGpc(T0);
        await tx.recordGpc(T0 + 2 * HOUR);
        await tx.setContact("sms", "US-CA");
        await tx.setContact("sms", "US");
        await tx.setContact("email", "FR");
      });
      const view = await store.consentView(subject);
      assert.equal(view.gpcSince, T0);
      assert.deepEqual(view.contacts, {
        email: { jurisdiction: "FR" },
        sms: { jurisdiction: "US" },
      });
    }));
}
