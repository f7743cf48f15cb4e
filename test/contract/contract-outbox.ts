import assert from "node:assert/strict";
import { test } from "node:test";
import type { NewDelivery, Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import { delivery, freshSubject, HOUR, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

const LEASE = 60_000;

async function enqueue(store: Store, ...items: NewDelivery[]): Promise<void> {
  for (const item of items) {
    await store.withSubject(item.subjectId, (tx) => tx.enqueueDelivery(item));
  }
}

const idsOf = (items: readonly NewDelivery[]) => items.map((item) => item.deliveryId);

/** The outbox: due deliveries claimed under a lease, attempts recorded per recipient. */
export function outboxContract(open: OpenStore): void {
  claimRules(open);
  attemptRules(open);
}

function claimRules(open: OpenStore): void {
  test("a claim takes pending deliveries due by now, oldest first, up to the limit", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const late = delivery(subject, { recipient: "r-late", dueAt: T0 + HOUR });
      const due = delivery(subject, { recipient: "r-due", dueAt: T0 - 1 });
      const now_ = delivery(subject, { recipient: "r-now", dueAt: T0 });
      await enqueue(store, late, now_, due);

      const claimed = await store.claimDeliveries(T0, 10, LEASE);
      assert.deepEqual(
        claimed,
        [due, now_].map((d) => ({ ...d, status: "pending", attempts: 0 })),
      );
      assert.equal(await store.outboxDepth(), 3);
    }));

  test("a claimed delivery is not handed out again until its lease expires", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const items = [1, 2, 3].map((i) => delivery(subject, { recipient: `r-${i}`, dueAt: T0 + i }));
      await enqueue(store, ...items);

      const first = await store.claimDeliveries(T0 + 10, 2, LEASE);
      const second = await store.claimDeliveries(T0 + 20, 10, LEASE);
      const whileLeased = await store.claimDeliveries(T0 + 10 + LEASE - 1, 10, LEASE);
      const afterLease = await store.claimDeliveries(T0 + 10 + LEASE, 10, LEASE);
      assert.deepEqual(idsOf(first), idsOf(items.slice(0, 2)));
      assert.deepEqual(idsOf(second), idsOf(items.slice(2)));
      assert.deepEqual(whileLeased, []);
      assert.deepEqual(idsOf(afterLease), idsOf(items.slice(0, 2)));
    }));

  test("the same idempotency key for the same connector and recipient is enqueued once", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const once = delivery(subject);
      await enqueue(store, once, { ...once, deliveryId: "del-again" });
      await enqueue(store, { ...once, deliveryId: "del-other", recipient: "other-queue" });
      assert.equal(await store.outboxDepth(), 2);
    }));
}

function attemptRules(open: OpenStore): void {
  test("one recipient's failure leaves the other recipients' deliveries alone", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const [ok, gone, flaky, waiting] = ["ok", "gone", "flaky", "waiting"].map((recipient) =>
        delivery(subject, { recipient, deliveryId: `del-${recipient}-${subject}` }),
      );
      if (!ok || !gone || !flaky || !waiting) throw new Error("fixture");
      await enqueue(store, ok, gone, flaky, waiting);
      await store.claimDeliveries(T0, 10, LEASE);

      const at = T0 + 1;
      await store.recordAttempt(ok.deliveryId, { at, outcome: "delivered", code: "http_200" });
      await store.recordAttempt(gone.deliveryId, { at, outcome: "permanent", code: "http_410" });
      const retryAt = T0 + LEASE / 2;
      await store.recordAttempt(flaky.deliveryId, {
        at,
        outcome: "transient",
        retryAt,
        code: "http_503",
      });

      assert.equal(await store.outboxDepth(), 2);
      assert.deepEqual(await store.claimDeliveries(T0 + 2, 10, LEASE), []);
      const retried = await store.claimDeliveries(retryAt, 10, LEASE);
      assert.deepEqual(retried, [{ ...flaky, dueAt: retryAt, status: "pending", attempts: 1 }]);
      assert.deepEqual(idsOf(await store.claimDeliveries(T0 + LEASE, 10, LEASE)), [
        waiting.deliveryId,
      ]);
    }));

  test("an attempt counts even after the delivery settled, and never reopens it", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const item = delivery(subject);
      await enqueue(store, item);
      await store.recordAttempt(item.deliveryId, {
        at: T0,
        outcome: "delivered",
        code: "http_200",
      });
      const retryAt = T0 + 5;
      await store.recordAttempt(item.deliveryId, {
        at: T0,
        outcome: "transient",
        retryAt,
        code: "timeout",
      });
      assert.equal(await store.outboxDepth(), 0);
      assert.deepEqual(await store.claimDeliveries(T0 + HOUR, 10, LEASE), []);
    }));

  test("an attempt on an unknown delivery is refused", () =>
    withStore(open, async (store) => {
      const attempt = store.recordAttempt("del-unknown", {
        at: T0,
        outcome: "delivered",
        code: "ok",
      });
      await assert.rejects(
        attempt,
        (error) => error instanceof StoreError && error.code === "delivery_not_found",
      );
    }));
}
