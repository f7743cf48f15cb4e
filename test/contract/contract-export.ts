import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../../src/store/store.ts";
import { delivery, event, freshSubject, HOUR, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

/** Reads for the subject's data export (GDPR Art. 15): everything of one subject, in order. */
export function exportContract(open: OpenStore): void {
  test("eventsOf gives every event of the subject by occurredAt then id, no one else's", () =>
    withStore(open, async (store) => {
      const [mine, other] = [freshSubject(), freshSubject()];
      const late = event(mine, { id: `a-${mine}`, occurredAt: T0 + HOUR });
      const early = event(mine, { id: `z-${mine}`, occurredAt: T0 });
      const tie = event(mine, { id: `b-${mine}`, occurredAt: T0 + HOUR, source: "crm" });
      await insert(store, mine, late, early, tie);
      await insert(store, other, event(other));

      assert.deepEqual(await store.eventsOf(mine), [early, late, tie]);
      assert.deepEqual(await store.eventsOf(freshSubject()), []);
    }));

  test("deliveriesOf gives every delivery of the subject by dueAt then id, with its status", () =>
    withStore(open, async (store) => {
      const [mine, other] = [freshSubject(), freshSubject()];
      const second = delivery(mine, { deliveryId: `d-2-${mine}`, recipient: "b", dueAt: T0 + 5 });
      const first = delivery(mine, { deliveryId: `d-1-${mine}`, recipient: "a", dueAt: T0 });
      for (const item of [second, first, delivery(other)]) {
        await store.withSubject(item.subjectId, (tx) => tx.enqueueDelivery(item));
      }
      await store.claimDeliveries(T0, 1, 60_000);
      await store.recordAttempt(first.deliveryId, { at: T0, outcome: "delivered", code: "ok" });

      assert.deepEqual(await store.deliveriesOf(mine), [
        { ...first, status: "delivered", attempts: 1 },
        { ...second, status: "pending", attempts: 0 },
      ]);
    }));
}

async function insert(store: Store, subjectId: string, ...events: ReturnType<typeof event>[]) {
  await store.withSubject(subjectId, async (tx) => {
    for (const item of events) await tx.insertEvent(item);
  });
}
