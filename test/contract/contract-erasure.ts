import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyLog } from "../../src/decision-log/verify.ts";
import type { PendingWork } from "../../src/store/store.ts";
import {
  consent,
  DAY,
  decision,
  deferral,
  delivery,
  event,
  freshSubject,
  logEntry,
  review,
  T0,
} from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

/** Pending work a withdrawal can cancel, and erasure by crypto-shredding. */
export function erasureContract(open: OpenStore): void {
  pendingWorkRules(open);
  erasureRules(open);
}

function pendingWorkRules(open: OpenStore): void {
  test("pending work lists the subject's waiting deferrals, reviews and deliveries; cancelling moves each out", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const other = freshSubject();
      const waiting = {
        deferral: deferral(subject, { decisionId: "dec-d" }),
        review: review(subject, { decisionId: "dec-r" }),
        delivery: delivery(subject, { decisionId: "dec-o" }),
      };
      await store.withSubject(subject, async (tx) => {
        await tx.scheduleDeferral(waiting.deferral);
        await tx.openReview(waiting.review);
        await tx.enqueueDelivery(waiting.delivery);
      });
      await store.withSubject(other, (tx) => tx.enqueueDelivery(delivery(other)));

      const pending = await store.withSubject(subject, (tx) => tx.pendingWork());
      const expected: PendingWork[] = [
        { kind: "deferral", id: waiting.deferral.deferralId, decisionId: "dec-d" },
        { kind: "review", id: waiting.review.reviewId, decisionId: "dec-r" },
        { kind: "delivery", id: waiting.delivery.deliveryId, decisionId: "dec-o" },
      ];
      assert.deepEqual(sortWork(pending), sortWork(expected));

      await store.withSubject(subject, async (tx) => {
        for (const work of pending) await tx.cancelWork(work, "withdrawn_in_flight", T0 + 5);
        // Twice is harmless: only pending work moves.
        for (const work of pending) await tx.cancelWork(work, "withdrawn_in_flight", T0 + 9);
      });
      assert.deepEqual(await store.withSubject(subject, (tx) => tx.pendingWork()), []);
      assert.deepEqual(await store.dueDeferrals(T0 + DAY, 10), []);
      const settled = await store.getReview(waiting.review.reviewId);
      assert.deepEqual([settled?.status, settled?.settledAt], ["cancelled", T0 + 5]);
      assert.deepEqual(await store.claimDeliveries(T0 + DAY, 10, 1000).then(ids), [`${other}`]);
      const [cancelled] = await store.deliveriesOf(subject);
      assert.equal(cancelled?.status, "cancelled");
    }));
}

function erasureRules(open: OpenStore): void {
  test("sealed data reads back whole; erasure deletes it, keeps the ledger and leaves a tombstone", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const other = freshSubject();
      const claimed = event(subject, { occurredAt: Date.UTC(2099, 0, 1) });
      const granted = consent(subject, { evidence: "form 7, ip 198.51.100.7" });
      await store.withSubject(subject, async (tx) => {
        await tx.insertEvent(claimed);
        await tx.applyAttributes(claimed, { "claim.status": "open", "claim.tags": ["x"] });
        await tx.appendConsent(granted);
        await tx.appendDecision(logEntry(subject, { decisionId: "dec-e1" }));
      });
      await store.withSubject(other, (tx) => tx.appendConsent(consent(other)));

      // Sealing is invisible through the interface.
      assert.deepEqual(await store.withSubject(subject, (tx) => tx.event(claimed.id)), claimed);
      assert.equal((await store.profile(subject)).get("claim.status")?.value, "open");
      assert.equal((await store.consentView(subject)).records[0]?.evidence, granted.evidence);
      const before = await store.getDecision("dec-e1");
      assert.deepEqual(before?.decision, decision(subject));
      assert.equal(before?.explanationErased, undefined);

      const counts = await store.withSubject(subject, async (tx) => {
        assert.equal(await tx.erasedAt(), undefined);
        const erased = await tx.erase(T0 + DAY);
        assert.equal(await tx.erasedAt(), T0 + DAY);
        return erased;
      });
      assert.deepEqual(counts, { events: 1, attributes: 2, consentEvidence: 1 });

      assert.equal((await store.profile(subject)).size, 0);
      assert.equal(await store.withSubject(subject, (tx) => tx.event(claimed.id)), undefined);
      const view = await store.consentView(subject);
      assert.equal(view.erasedAt, T0 + DAY);
      assert.deepEqual(view.records, [{ ...granted, evidence: "(erased)" }]);
      assert.equal((await store.consentView(subject, T0)).erasedAt, undefined);
      const after = await store.getDecision("dec-e1");
      assert.equal(after?.explanationErased, true);
      assert.deepEqual(after?.decision, { ...decision(subject), steps: [] });
      assert.equal((await verifyLog(store)).ok, true);
      assert.equal((await store.consentView(other)).erasedAt, undefined);
      assert.equal((await store.consentView(other)).records[0]?.evidence, "form-7");
    }));
}

function sortWork(work: readonly PendingWork[]): PendingWork[] {
  return [...work].sort((a, b) => a.kind.localeCompare(b.kind));
}

function ids(deliveries: readonly { readonly subjectId: string }[]): string[] {
  return deliveries.map((item) => item.subjectId);
}
