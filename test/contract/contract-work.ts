import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../../src/store/store-error.ts";
import { DAY, deferral, freshSubject, HOUR, review, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

const deferralIds = (items: readonly { readonly deferralId: string }[]) =>
  items.map((item) => item.deferralId);

/** Deferred decisions and reviews waiting for a person. */
export function workContract(open: OpenStore): void {
  deferralRules(open);
  reviewRules(open);
}

function deferralRules(open: OpenStore): void {
  test("deferrals come due oldest first, up to the instant and the limit asked", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const later = deferral(subject, { eventId: "evt-2", dueAt: T0 + 2 * HOUR });
      const sooner = deferral(subject, { eventId: "evt-1", dueAt: T0 + HOUR });
      const far = deferral(subject, { eventId: "evt-3", dueAt: T0 + DAY });
      await store.withSubject(subject, async (tx) => {
        for (const item of [later, sooner, far]) await tx.scheduleDeferral(item);
      });

      assert.deepEqual(await store.dueDeferrals(T0 + HOUR - 1, 10), []);
      assert.deepEqual(await store.dueDeferrals(T0 + 2 * HOUR, 10), [sooner, later]);
      assert.deepEqual(deferralIds(await store.dueDeferrals(T0 + DAY, 1)), [sooner.deferralId]);
    }));

  test("scheduling a deferral replaces the pending one for the same node and event", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const first = deferral(subject, { dueAt: T0 + HOUR });
      const moved = deferral(subject, { dueAt: T0 + 3 * HOUR });
      const otherNode = deferral(subject, { nodeId: "renewal", dueAt: T0 + 2 * HOUR });
      await store.withSubject(subject, async (tx) => {
        for (const item of [first, otherNode, moved]) await tx.scheduleDeferral(item);
      });
      const due = await store.dueDeferrals(T0 + DAY, 10);
      assert.deepEqual(deferralIds(due), [otherNode.deferralId, moved.deferralId]);
    }));

  test("a completed deferral never comes due again", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const [done, open_] = [deferral(subject), deferral(subject, { eventId: "evt-2" })];
      await store.withSubject(subject, async (tx) => {
        await tx.scheduleDeferral(done);
        await tx.scheduleDeferral(open_);
      });
      await store.withSubject(subject, (tx) => tx.completeDeferral(done.deferralId));
      await store.withSubject(subject, (tx) => tx.completeDeferral(done.deferralId));
      assert.deepEqual(deferralIds(await store.dueDeferrals(T0 + DAY, 10)), [open_.deferralId]);
    }));
}

function reviewRules(open: OpenStore): void {
  test("a review opens pending, settles once, and lists by status oldest first", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const older = review(subject, { openedAt: T0 });
      const newer = review(subject, { openedAt: T0 + HOUR });
      await store.withSubject(subject, async (tx) => {
        await tx.openReview(newer);
        await tx.openReview(older);
      });
      assert.deepEqual(await store.reviews("pending", 10), [older, newer]);

      await store.withSubject(subject, (tx) =>
        tx.settleReview(older.reviewId, "approved", T0 + 2 * HOUR),
      );
      const settled = { ...older, status: "approved", settledAt: T0 + 2 * HOUR } as const;
      assert.deepEqual(await store.getReview(older.reviewId), settled);
      assert.deepEqual(await store.reviews("pending", 10), [newer]);
      assert.deepEqual(await store.reviews("approved", 10), [settled]);
      assert.deepEqual(await store.reviews("all", 10), [settled, newer]);
      assert.deepEqual(await store.reviews("all", 1), [settled]);
      assert.equal(await store.getReview("rev-unknown"), undefined);
    }));

  test("a settled review cannot be settled again", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const item = review(subject);
      await store.withSubject(subject, (tx) => tx.openReview(item));
      await store.withSubject(subject, (tx) => tx.settleReview(item.reviewId, "rejected", T0 + 1));
      const again = store.withSubject(subject, (tx) =>
        tx.settleReview(item.reviewId, "approved", T0 + 2),
      );
      await assert.rejects(
        again,
        (error) => error instanceof StoreError && error.code === "review_not_pending",
      );
      assert.equal((await store.getReview(item.reviewId))?.status, "rejected");
    }));
}
