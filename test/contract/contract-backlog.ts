import assert from "node:assert/strict";
import { test } from "node:test";
import type { NewDelivery, Store } from "../../src/store/store.ts";
import { deferral, delivery, freshSubject, HOUR, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

async function enqueue(store: Store, ...items: NewDelivery[]): Promise<void> {
  for (const item of items) {
    await store.withSubject(item.subjectId, (tx) => tx.enqueueDelivery(item));
  }
}

/** The backlog that saturation metrics read: pending work and how early it was due. */
export function backlogContract(open: OpenStore): void {
  test("an empty store has no backlog and no oldest instant", () =>
    withStore(open, async (store) => {
      assert.deepEqual(await store.backlog(), {
        outbox: { pending: 0 },
        deferrals: { pending: 0 },
      });
    }));

  test("the backlog counts pending deliveries and deferrals and names the earliest due", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      await enqueue(
        store,
        delivery(subject, { recipient: "r-1", dueAt: T0 + HOUR }),
        delivery(subject, { recipient: "r-2", dueAt: T0 - 2 * HOUR }),
        delivery(subject, { recipient: "r-3", dueAt: T0 }),
      );
      await store.withSubject(subject, async (tx) => {
        await tx.scheduleDeferral(deferral(subject, { eventId: "evt-1", dueAt: T0 + 3 * HOUR }));
        await tx.scheduleDeferral(deferral(subject, { eventId: "evt-2", dueAt: T0 + HOUR }));
      });

      assert.deepEqual(await store.backlog(), {
        outbox: { pending: 3, oldestDueAt: T0 - 2 * HOUR },
        deferrals: { pending: 2, oldestDueAt: T0 + HOUR },
      });
    }));

  test("delivered, failed and completed work leaves the backlog; a retry is due at its retry", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const [done, gone, flaky] = ["done", "gone", "flaky"].map((recipient) =>
        delivery(subject, { recipient, deliveryId: `del-${recipient}-${subject}`, dueAt: T0 }),
      );
      if (!done || !gone || !flaky) throw new Error("fixture");
      await enqueue(store, done, gone, flaky);
      const first = deferral(subject, { eventId: "evt-1", dueAt: T0 });
      await store.withSubject(subject, async (tx) => {
        await tx.scheduleDeferral(first);
        await tx.scheduleDeferral(deferral(subject, { eventId: "evt-2", dueAt: T0 + 2 * HOUR }));
      });

      const at = T0 + 1;
      await store.recordAttempt(done.deliveryId, { at, outcome: "delivered", code: "http_200" });
      await store.recordAttempt(gone.deliveryId, { at, outcome: "permanent", code: "http_410" });
      const retryAt = T0 + HOUR;
      await store.recordAttempt(flaky.deliveryId, {
        at,
        outcome: "transient",
        retryAt,
        code: "http_503",
      });
      await store.withSubject(subject, (tx) => tx.completeDeferral(first.deferralId));

      assert.deepEqual(await store.backlog(), {
        outbox: { pending: 1, oldestDueAt: retryAt },
        deferrals: { pending: 1, oldestDueAt: T0 + 2 * HOUR },
      });
    }));
}
