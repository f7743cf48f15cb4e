import assert from "node:assert/strict";
import { test } from "node:test";
import type { Timer } from "../../src/timers/timer.ts";
import { DAY, deferral, freshSubject, HOUR, review, T0 } from "./contract-fixtures.ts";
import { type OpenStore, withStore } from "./contract-support.ts";

let counter = 0;

function timer(subjectId: string, overrides: Partial<Timer> = {}): Timer {
  counter += 1;
  return {
    timerId: `timer-${counter}-${subjectId}`,
    subjectId,
    nodeId: "claim-status-day-3",
    kind: "delay",
    dueAt: T0 + 3 * DAY,
    eventId: "evt-1",
    causeAt: T0,
    why: "3d after claim.opened evt-1, unless claim.closed first",
    createdAt: T0,
    status: "pending",
    ...overrides,
  };
}

const ids = (timers: readonly Timer[]) => timers.map((each) => each.timerId);

/** Durable timers: created and settled in subject transactions, claimed by schedulers. */
export function timerContract(open: OpenStore): void {
  test("a subject's pending timers list soonest first, in and outside its transaction", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const later = timer(subject, { dueAt: T0 + 5 * DAY });
      const sooner = timer(subject, { nodeId: "renewal", kind: "date", dueAt: T0 + DAY });
      await store.withSubject(subject, async (tx) => {
        await tx.createTimer(later);
        await tx.createTimer(sooner);
        assert.deepEqual(ids(await tx.pendingTimers()), [sooner.timerId, later.timerId]);
      });
      assert.deepEqual(await store.timersOf(subject), [sooner, later]);
      assert.deepEqual(await store.timersOf(freshSubject()), []);
    }));

  test("a timer settles once: a second settle writes nothing and says so", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const one = timer(subject);
      await store.withSubject(subject, (tx) => tx.createTimer(one));
      const first = await store.withSubject(subject, (tx) =>
        tx.settleTimer(one.timerId, "fired", T0 + 3 * DAY),
      );
      const second = await store.withSubject(subject, (tx) =>
        tx.settleTimer(one.timerId, "cancelled", T0 + 4 * DAY),
      );
      assert.deepEqual([first, second], [true, false]);
      assert.deepEqual(await store.timersOf(subject), []);
      assert.equal(await store.nextTimerDue(), undefined);
    }));

  test("a node has at most one pending timer per subject; a moved one frees the place", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const first = timer(subject);
      await store.withSubject(subject, (tx) => tx.createTimer(first));
      await assert.rejects(store.withSubject(subject, (tx) => tx.createTimer(timer(subject))));
      const moved = timer(subject, { dueAt: T0 + 4 * DAY });
      await store.withSubject(subject, async (tx) => {
        await tx.settleTimer(first.timerId, "moved", T0 + HOUR);
        await tx.createTimer(moved);
      });
      assert.deepEqual(ids(await store.timersOf(subject)), [moved.timerId]);
    }));

  test("a rolled-back transaction creates and settles no timer", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const kept = timer(subject);
      await store.withSubject(subject, (tx) => tx.createTimer(kept));
      const failed = store.withSubject(subject, async (tx) => {
        await tx.settleTimer(kept.timerId, "cancelled", T0 + HOUR);
        await tx.createTimer(timer(subject, { nodeId: "renewal" }));
        throw new Error("rolled back");
      });
      await assert.rejects(failed, /rolled back/);
      assert.deepEqual(await store.timersOf(subject), [kept]);
    }));

  test("claiming leases due timers soonest first; a lease hides them until it ends", () =>
    withStore(open, async (store) => {
      const [a, b] = [freshSubject("a"), freshSubject("b")];
      const due1 = timer(a, { dueAt: T0 + HOUR });
      const due2 = timer(b, { dueAt: T0 + 2 * HOUR });
      const notYet = timer(b, { nodeId: "renewal", dueAt: T0 + DAY });
      await store.withSubject(a, (tx) => tx.createTimer(due1));
      await store.withSubject(b, async (tx) => {
        await tx.createTimer(due2);
        await tx.createTimer(notYet);
      });
      const now = T0 + 3 * HOUR;
      assert.deepEqual(ids(await store.claimDueTimers(now, 10, 60_000)), [
        due1.timerId,
        due2.timerId,
      ]);
      assert.deepEqual(await store.claimDueTimers(now, 10, 60_000), []);
      assert.deepEqual(ids(await store.claimDueTimers(now + 60_000, 1, 60_000)), [due1.timerId]);
    }));

  test("timer stats: pending timers and the oldest one due and not fired", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      assert.deepEqual(await store.timerStats(T0), { pending: 0, oldestDueAt: undefined });
      const [old, recent, future] = [T0 + HOUR, T0 + 2 * HOUR, T0 + DAY];
      await store.withSubject(subject, async (tx) => {
        await tx.createTimer(timer(subject, { dueAt: recent }));
        await tx.createTimer(timer(subject, { nodeId: "n2", dueAt: old }));
        await tx.createTimer(timer(subject, { nodeId: "n3", dueAt: future }));
      });
      assert.deepEqual(await store.timerStats(T0), { pending: 3, oldestDueAt: undefined });
      assert.deepEqual(await store.timerStats(T0 + 3 * HOUR), { pending: 3, oldestDueAt: old });
      assert.equal(await store.nextTimerDue(), old);
    }));

  test("due work: subjects with work due by an instant, and inside a group what it holds", () =>
    withStore(open, async (store) => {
      const [held, other, later] = [freshSubject(), freshSubject(), freshSubject()];
      const due = timer(held, { dueAt: T0 + HOUR });
      const waiting = deferral(held, { dueAt: T0 + 2 * HOUR });
      const expired = review(held, { expiresAt: T0 + HOUR });
      await store.withSubject(other, (tx) => tx.createTimer(timer(other, { dueAt: T0 })));
      await store.withSubject(later, (tx) => tx.createTimer(timer(later, { dueAt: T0 + DAY })));
      await store.withSubject(held, (tx) => tx.openReview(expired));
      assert.deepEqual((await store.dueSubjects(T0 + 2 * HOUR)).sort(), [held, other].sort());
      await store.withSubjects([held, later], async (tx) => {
        await tx.subject(held).createTimer(due);
        await tx.subject(held).scheduleDeferral(waiting);
        const work = await tx.dueWork(T0 + 2 * HOUR);
        assert.deepEqual(ids(work.timers), [due.timerId]);
        assert.deepEqual(
          work.deferrals.map((each) => each.deferralId),
          [waiting.deferralId],
        );
        assert.deepEqual(
          work.reviews.map((each) => each.reviewId),
          [expired.reviewId],
        );
        assert.deepEqual(ids((await tx.dueWork(T0 + DAY)).timers), [
          due.timerId,
          ids(await tx.subject(later).pendingTimers())[0],
        ]);
      });
    }));
}
