import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../../src/store/store-error.ts";
import { event, freshSubject, HOUR, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

/** Dedup, lineage and the order rule of the profile. */
export function profileContract(open: OpenStore): void {
  test("a re-sent event writes nothing", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const first = event(subject);
      const resent = { ...first, type: "claim.closed", data: { changed: true } };
      const outcomes = await store.withSubject(subject, async (tx) => [
        await tx.insertEvent(first),
        await tx.insertEvent(resent),
      ]);
      const later = await store.withSubject(subject, (tx) => tx.insertEvent(resent));
      const stored = await store.withSubject(subject, (tx) => tx.event(first.id));

      assert.deepEqual([...outcomes, later], ["inserted", "duplicate", "duplicate"]);
      assert.deepEqual(stored, first);
    }));

  test("a stored event reads back only in its own subject's transaction", () =>
    withStore(open, async (store) => {
      const [mine, other] = [freshSubject(), freshSubject()];
      const stored = event(mine);
      await store.withSubject(mine, (tx) => tx.insertEvent(stored));

      assert.equal(await store.withSubject(other, (tx) => tx.event(stored.id)), undefined);
      assert.equal(await store.withSubject(mine, (tx) => tx.event("evt-unknown")), undefined);
    }));

  test("out-of-order events never overwrite newer values", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const newer = event(subject, { occurredAt: T0 + HOUR });
      const older = event(subject, { occurredAt: T0, source: "crm" });
      await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(newer, { "claim.status": "closed", "claim.amount": 900 });
        await tx.applyAttributes(older, { "claim.status": "open", "claim.next_step": "call" });
      });
      const profile = await store.profile(subject);

      assert.equal(profile.get("claim.status")?.value, "closed");
      assert.equal(profile.get("claim.status")?.eventId, newer.id);
      assert.equal(profile.get("claim.next_step")?.value, "call");
    }));

  test("the same value set again moves the lineage to a newer event, never to an older one", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const first = event(subject, { occurredAt: T0 + HOUR, source: "crm" });
      const again = event(subject, { occurredAt: T0 + 2 * HOUR, source: "billing" });
      const stale = event(subject, { occurredAt: T0, source: "support" });
      await store.withSubject(subject, (tx) => tx.applyAttributes(first, { "claim.amount": 900 }));
      const seen = await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(again, { "claim.amount": 900 });
        await tx.applyAttributes(stale, { "claim.amount": 900 });
        return (await tx.profile()).get("claim.amount");
      });
      const expected = { value: 900, updatedAt: again.occurredAt, eventId: again.id };
      const stored = (await store.profile(subject)).get("claim.amount");

      assert.deepEqual(seen, { ...expected, source: "billing" });
      assert.deepEqual(stored, { ...expected, source: "billing" });
    }));

  test("on equal occurredAt the larger event id wins, whatever the arrival order", () =>
    withStore(open, async (store) => {
      const [one, two] = [freshSubject(), freshSubject()];
      for (const [subject, order] of [
        [one, ["a", "b"]],
        [two, ["b", "a"]],
      ] as const) {
        await store.withSubject(subject, async (tx) => {
          for (const id of order) {
            await tx.applyAttributes(event(subject, { id: `evt-${id}` }), { "claim.status": id });
          }
        });
      }
      assert.equal((await store.profile(one)).get("claim.status")?.value, "b");
      assert.equal((await store.profile(two)).get("claim.status")?.value, "b");
    }));

  test("lineage is kept: each attribute names the event, source and instant that set it", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const source = event(subject, { source: "billing", occurredAt: T0 + 5 });
      const values = { plan: "pro", seats: 12, "is.active": true, tags: ["vip", "eu"] };
      const inside = await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(source, values);
        return tx.profile();
      });
      const outside = await store.profile(subject);

      const lineage = { updatedAt: T0 + 5, eventId: source.id, source: "billing" };
      const expected = new Map(
        Object.entries(values).map(([k, value]) => [k, { value, ...lineage }]),
      );
      assert.deepEqual(inside, expected);
      assert.deepEqual(outside, expected);
    }));

  test("a profile read early in a transaction shows its later writes, by the same rules", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const at = (occurredAt: number, id: string) => event(subject, { occurredAt, id });
      const inside = await store.withSubject(subject, async (tx) => {
        await tx.applyAttributes(at(T0, "evt-m"), { "claim.status": "open", "claim.amount": 1 });
        const early = await tx.profile();
        await tx.applyAttributes(at(T0 + HOUR, "evt-n"), { "claim.status": "closed" });
        await tx.applyAttributes(at(T0, "evt-z"), { "claim.status": "stale", "claim.amount": 2 });
        await tx.applyAttributes(at(T0 + HOUR, "evt-a"), { "claim.status": "tie-loses" });
        const middle = await tx.profile();
        await tx.applyAttributes(at(T0 - HOUR, "evt-b"), { "claim.next_step": "call" });
        return { early: [...early], middle: [...middle], late: [...(await tx.profile())] };
      });
      const outside = [...(await store.profile(subject))];

      assert.equal(inside.early.length, 2);
      assert.deepEqual(new Map(inside.middle).get("claim.status")?.value, "closed");
      assert.deepEqual(new Map(inside.middle).get("claim.amount")?.value, 2);
      assert.deepEqual(inside.late, outside);
    }));

  test("a transaction refuses a record of another subject", () =>
    withStore(open, async (store) => {
      const [mine, other] = [freshSubject(), freshSubject()];
      await assert.rejects(
        store.withSubject(mine, (tx) => tx.insertEvent(event(other))),
        (error) => error instanceof StoreError && error.code === "outside_transaction",
      );
      assert.equal((await store.profile(other)).size, 0);
    }));
}
