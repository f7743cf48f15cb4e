import assert from "node:assert/strict";
import { test } from "node:test";
import { partitionOf } from "../../src/decision-log/chain.ts";
import { verifyLog } from "../../src/decision-log/verify.ts";
import type { Store, SubjectTx } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";
import {
  consent,
  DAY,
  deferral,
  delivery,
  event,
  freshSubject,
  logEntry,
  review,
  T0,
} from "./contract-fixtures.ts";
import { collect, type OpenStore, withStore } from "./contract-support.ts";

class Planned extends Error {}

/** Writes one of everything a decision writes for a subject. */
async function writeEverything(tx: SubjectTx): Promise<void> {
  const subject = tx.subjectId;
  const happened = event(subject);
  await tx.insertEvent(happened);
  await tx.applyAttributes(happened, { "claim.status": "open" });
  await tx.appendConsent(consent(subject));
  await tx.recordGpc(T0);
  const entry = logEntry(subject);
  await tx.appendDecision(entry);
  const decisionId = entry.decisionId;
  await tx.recordSend({ at: T0, channel: "email", nodeId: "n", basis: "consent", decisionId });
  await tx.enqueueDelivery(delivery(subject, { decisionId }));
  await tx.scheduleDeferral(deferral(subject, { decisionId }));
  await tx.openReview(review(subject, { decisionId }));
}

/** Everything a store holds about a subject, through its reads. */
async function holdings(store: Store, subject: string) {
  const view = await store.consentView(subject);
  return {
    attributes: (await store.profile(subject)).size,
    consent: view.records.length + (view.gpcSince === undefined ? 0 : 1),
    decisions: (await store.decisionsOf(subject, 10)).length,
    deferrals: (await store.dueDeferrals(T0 + DAY, 100)).filter((d) => d.subjectId === subject)
      .length,
    reviews: (await store.reviews("all", 100)).filter((r) => r.subjectId === subject).length,
    outbox: await store.outboxDepth(),
  };
}

const nothing = { attributes: 0, consent: 0, decisions: 0, deferrals: 0, reviews: 0, outbox: 0 };

/** Atomicity, isolation and the per-subject serialisation that keeps caps exact. */
export function transactionContract(open: OpenStore): void {
  rollbackRules(open);
  groupRules(open);
  isolationRules(open);
  ownWritesRules(open);
  capRule(open);
}

function rollbackRules(open: OpenStore): void {
  test("rollback writes nothing: a transaction that throws leaves no trace", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const failing = store.withSubject(subject, async (tx) => {
        await writeEverything(tx);
        throw new Planned("stop");
      });
      await assert.rejects(failing, Planned);

      assert.deepEqual(await holdings(store, subject), nothing);
      assert.deepEqual(await store.logPartitions(), []);
      const after = await store.withSubject(subject, (tx) => tx.appendDecision(logEntry(subject)));
      assert.equal(after.seq, 1);
      assert.equal(await store.withSubject(subject, (tx) => tx.sends(0)).then((s) => s.length), 0);
    }));

  test("a transaction handle is unusable once its transaction has ended", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const kept = await store.withSubject(subject, async (tx) => tx);
      await assert.rejects(
        kept.insertEvent(event(subject)),
        (error) => error instanceof StoreError && error.code === "transaction_closed",
      );
    }));
}

function groupRules(open: OpenStore): void {
  test("group commit writes several subjects in one transaction", () =>
    withStore(open, async (store) => {
      const subjects = [freshSubject(), freshSubject(), freshSubject()];
      await store.withSubjects(subjects, async (tx) => {
        for (const subject of subjects) await writeEverything(tx.subject(subject));
      });
      for (const subject of subjects) {
        assert.equal((await holdings(store, subject)).decisions, 1);
      }
      assert.equal(await store.outboxDepth(), 3);
    }));

  test("a failed group commit writes nothing for any subject", () =>
    withStore(open, async (store) => {
      const subjects = [freshSubject(), freshSubject()];
      const failing = store.withSubjects(subjects, async (tx) => {
        for (const subject of subjects) await writeEverything(tx.subject(subject));
        throw new Planned("stop");
      });
      await assert.rejects(failing, Planned);
      for (const subject of subjects) assert.deepEqual(await holdings(store, subject), nothing);
    }));

  test("a group transaction refuses a subject outside its group", () =>
    withStore(open, async (store) => {
      const failing = store.withSubjects([freshSubject()], async (tx) => tx.subject("sub-outside"));
      await assert.rejects(
        failing,
        (error) => error instanceof StoreError && error.code === "outside_transaction",
      );
    }));
}

function isolationRules(open: OpenStore): void {
  test("reads outside a transaction see only committed writes", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const seenDuring = await store.withSubject(subject, async (tx) => {
        await writeEverything(tx);
        return holdings(store, subject);
      });
      assert.deepEqual(seenDuring, nothing);
      assert.equal((await holdings(store, subject)).decisions, 1);
      assert.equal((await collect(store.readLog(partitionOf(subject)))).length, 1);
    }));

  test("sends read outside a transaction are the committed ones inside the window", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const during = await store.withSubject(subject, async (tx) => {
        await writeEverything(tx);
        return store.sendsOf(subject, T0 - DAY);
      });
      assert.deepEqual(during, []);
      const after = await store.sendsOf(subject, T0 - DAY);
      assert.deepEqual(
        after.map((send) => [send.at, send.channel, send.nodeId]),
        [[T0, "email", "n"]],
      );
      assert.deepEqual(await store.sendsOf(subject, T0 + 1), []);
    }));
}

function ownWritesRules(open: OpenStore): void {
  test("sends read early in a transaction show its later sends; a narrower window filters", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const send = (at: number, decisionId: string) =>
        ({ at, channel: "email", nodeId: "n", basis: "consent", decisionId }) as const;
      const inside = await store.withSubject(subject, async (tx) => {
        await tx.recordSend(send(T0, "dec-1"));
        const early = await tx.sends(T0 - DAY);
        await tx.recordSend(send(T0 - 1, "dec-2"));
        await tx.recordSend(send(T0 + 1, "dec-3"));
        return { early, all: await tx.sends(T0 - DAY), narrow: await tx.sends(T0) };
      });
      const times = (sends: readonly { readonly at: number }[]) => sends.map((s) => s.at);

      assert.deepEqual(times(inside.early), [T0]);
      assert.deepEqual(times(inside.all), [T0 - 1, T0, T0 + 1]);
      assert.deepEqual(times(inside.narrow), [T0, T0 + 1]);
    }));

  test("decisions appended to one partition in one transaction chain onto each other", () =>
    withStore(open, async (store) => {
      const subject = freshSubject();
      const records = await store.withSubject(subject, async (tx) => [
        await tx.appendDecision(logEntry(subject)),
        await tx.appendDecision(logEntry(subject)),
      ]);
      const later = await store.withSubject(subject, (tx) => tx.appendDecision(logEntry(subject)));

      assert.deepEqual(
        [...records, later].map((r) => r.seq),
        [1, 2, 3].map((n) => n + (records[0]?.seq ?? 1) - 1),
      );
      assert.equal(records[1]?.prevHash, records[0]?.hash);
      assert.equal(later.prevHash, records[1]?.hash);
    }));
}

const CAP = 5;
const REQUESTS = 8;

/** One decision request: read the day's sends and send only under the cap. */
function requestDecision(store: Store, subject: string, i: number): Promise<boolean> {
  return store.withSubject(subject, async (tx) => {
    const sent = await tx.sends(T0 - DAY);
    // Yield between the read and the write, as a real decision does, to invite interleaving.
    await new Promise((resolve) => setImmediate(resolve));
    if (sent.length >= CAP) return false;
    const entry = logEntry(subject);
    await tx.appendDecision(entry);
    const send = { at: T0 + i, channel: "email", nodeId: "n", basis: "consent" } as const;
    await tx.recordSend({ ...send, decisionId: entry.decisionId });
    return true;
  });
}

function capRule(open: OpenStore): void {
  test("8 decisions requested at the same instant for one subject under a cap of 5 per day give exactly 5 act", () =>
    withStore(open, async (store) => {
      for (let round = 0; round < 50; round += 1) {
        const subject = freshSubject();
        const requests = Array.from({ length: REQUESTS }, (_, i) =>
          requestDecision(store, subject, i),
        );
        const acted = (await Promise.all(requests)).filter(Boolean).length;
        const sends = await store.withSubject(subject, (tx) => tx.sends(T0 - DAY));
        assert.deepEqual([acted, sends.length], [CAP, CAP], `round ${round}`);
      }
      assert.equal((await verifyLog(store)).ok, true);
    }));
}
