import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { App } from "../../src/app/app.ts";
import { toConsentRecord } from "../../src/app/app.ts";
import type { IngestOutcome } from "../../src/app/assent-app.ts";
import { AppError } from "../../src/app/errors.ts";
import type { Instant } from "../../src/engine/types.ts";
import type { Store } from "../../src/store/store.ts";
import {
  appOn,
  consent,
  event,
  HOUR,
  NOW,
  postgresKind,
  recordingConnector,
  type StoreKind,
  sqliteKind,
  workerFor,
} from "./support.ts";

/**
 * Issue 6, point 2: a withdrawal arriving while a subject's decisions are deferred, under review
 * and queued in the outbox leads to zero deliveries after it — on both stores, for a ledger
 * withdrawal, a one-click unsubscribe and a GPC signal; and the outbox worker asks again.
 */

const kinds: StoreKind[] = [sqliteKind(), postgresKind()];
after(() => Promise.all(kinds.map((kind) => kind.cleanUp())));

const LEAD = {
  "contact.email": "grace.hopper@example.net",
  "contact.phone": "+1 202 555 0147",
  "contact.name": "Grace Hopper",
};

interface Withdrawal {
  readonly name: string;
  /** The permission reason the cancellation's permission step must name. */
  readonly reason: string;
  withdraw(app: App, subjectId: string, at: Instant): Promise<unknown>;
}

const WITHDRAWALS: readonly Withdrawal[] = [
  {
    name: "a withdrawal in the consent ledger",
    reason: "consent_withdrawn",
    withdraw: (app, subjectId, at) => app.recordConsent(subjectId, consent("withdrawal", at)),
  },
  {
    name: "a one-click unsubscribe (suppression.recorded through the app)",
    reason: "suppressed_globally",
    withdraw: (app, subjectId, at) =>
      app.ingest([
        event(
          `${subjectId}-unsub`,
          "suppression.recorded",
          subjectId,
          {
            reason: "unsubscribed",
            channel: "email",
          },
          at,
        ),
      ]),
  },
  {
    name: "a Global Privacy Control signal",
    reason: "gpc_opt_out",
    withdraw: (app, subjectId, at) =>
      app.ingest([event(`${subjectId}-gpc`, "gpc.signal", subjectId, {}, at)]),
  },
];

/** Consent, a lead, then one decision of each waiting kind: queued, deferred, under review. */
async function putInFlight(app: App, subjectId: string) {
  await app.recordConsent(subjectId, consent("grant", NOW - 24 * HOUR));
  await app.ingest([event(`${subjectId}-lead`, "lead.captured", subjectId, LEAD, NOW - 3000)]);
  // Each offer a second later than the last, so its offer.value is the newest.
  const outcome = async (id: string, type: string, value: number, at: Instant) => {
    const data = { "offer.value": value };
    const [result] = await app.ingest([event(id, type, subjectId, data, at)]);
    return summary(result);
  };
  const [now, quiet, big] = [`${subjectId}-now`, `${subjectId}-quiet`, `${subjectId}-big`];
  assert.deepEqual(await outcome(now, "offer.now", 5, NOW - 2000), ["act", "eligible"]);
  assert.deepEqual(await outcome(quiet, "offer.quiet", 5, NOW - 1000), ["defer", "quiet_hours"]);
  assert.deepEqual(await outcome(big, "offer.big", 500, NOW), ["review", "review_threshold"]);
}

function summary(result: IngestOutcome | undefined) {
  const decision = result?.decisions[0];
  return [decision?.outcome, decision?.reason];
}

async function inFlightCounts(store: Store, at: Instant) {
  return {
    outbox: await store.outboxDepth(),
    deferrals: (await store.dueDeferrals(at + 24 * HOUR, 100)).length,
    reviews: (await store.reviews("pending", 100)).length,
  };
}

/** Everything that could still send: the worker, the deferral tick, a person approving. */
async function tryEverything(app: App, store: Store, clock: { now: Instant }) {
  const connector = recordingConnector();
  const worker = workerFor(app, store, connector, clock);
  await worker.runOnce();
  clock.now = NOW + 12 * HOUR;
  const ticked = await app.tick(clock.now);
  for (const review of await store.reviews("all", 100)) {
    await app.settleReview(review.reviewId, "approved").catch((error: unknown) => {
      assert.ok(error instanceof AppError && error.code === "conflict", String(error));
    });
  }
  await worker.runOnce();
  return { sent: connector.sent, ticked };
}

for (const kind of kinds) {
  describe(`withdrawal beats everything in flight (${kind.label})`, () => {
    test("without a withdrawal, the queued, deferred and reviewed decisions are all delivered", async () => {
      const { store } = await kind.open();
      try {
        const clock = { now: NOW };
        const app = appOn(store, clock);
        await putInFlight(app, "s-control");
        assert.deepEqual(await inFlightCounts(store, NOW), { outbox: 1, deferrals: 1, reviews: 1 });

        const { sent } = await tryEverything(app, store, clock);
        const templates = sent.map((d) => JSON.parse(d.payload).action.template).sort();
        assert.deepEqual(templates, ["offer-big-v1", "offer-quiet-v1", "offer-v1"]);
      } finally {
        await store.close();
      }
    });

    for (const withdrawal of WITHDRAWALS) {
      test(`${withdrawal.name} cancels all three in its transaction; nothing is delivered after it`, async () => {
        const { store } = await kind.open();
        try {
          const clock = { now: NOW };
          const app = appOn(store, clock);
          await putInFlight(app, "s-1");
          clock.now = NOW + 60_000;
          await withdrawal.withdraw(app, "s-1", clock.now);

          assert.deepEqual(await inFlightCounts(store, NOW), {
            outbox: 0,
            deferrals: 0,
            reviews: 0,
          });
          assert.equal((await store.reviews("cancelled", 100)).length, 1);
          const cancelled = (await store.decisionsOf("s-1", 50)).filter(
            (stored) => stored.decision.reason === "withdrawn_in_flight",
          );
          assert.deepEqual(cancelled.map((stored) => stored.decision.nodeId).sort(), [
            "offer-big",
            "offer-now",
            "offer-quiet",
          ]);
          for (const { decision } of cancelled) {
            assert.equal(decision.outcome, "suppress");
            assert.equal(decision.decidedAt, clock.now);
            const last = decision.steps.at(-1);
            assert.equal(last?.step, "permission");
            assert.equal(last?.verdict, "fail");
            assert.equal(last?.reason, withdrawal.reason);
          }
          const [delivery] = await store.deliveriesOf("s-1");
          assert.equal(delivery?.status, "cancelled");

          const { sent, ticked } = await tryEverything(app, store, clock);
          assert.deepEqual(sent, []);
          assert.equal(ticked.deferrals, 0);
        } finally {
          await store.close();
        }
      });
    }

    test("a withdrawal for another channel leaves the e-mail work in flight", async () => {
      const { store } = await kind.open();
      try {
        const clock = { now: NOW };
        const app = appOn(store, clock);
        await putInFlight(app, "s-2");
        await app.recordConsent("s-2", { ...consent("withdrawal", NOW), channel: "sms" });
        assert.deepEqual(await inFlightCounts(store, NOW), { outbox: 1, deferrals: 1, reviews: 1 });
      } finally {
        await store.close();
      }
    });

    test("the worker asks again: a withdrawal written past the app still stops the delivery", async () => {
      const { store } = await kind.open();
      try {
        const clock = { now: NOW };
        const app = appOn(store, clock);
        await putInFlight(app, "s-3");
        const record = toConsentRecord("s-3", consent("withdrawal", NOW + 1), () => "c-direct");
        await store.withSubject("s-3", (tx) => tx.appendConsent(record));
        assert.equal(
          await store.outboxDepth(),
          1,
          "written beneath the app: nothing cancelled yet",
        );

        clock.now = NOW + 1000;
        const connector = recordingConnector();
        const summary = await workerFor(app, store, connector, clock).runOnce();
        assert.deepEqual(connector.sent, []);
        assert.equal(summary.delivered, 0);
        const [delivery] = await store.deliveriesOf("s-3");
        assert.equal(delivery?.status, "cancelled");
        const [latest] = await store.decisionsOf("s-3", 1);
        assert.equal(latest?.decision.reason, "withdrawn_in_flight");
        assert.equal(latest?.decision.nodeId, "offer-now");
      } finally {
        await store.close();
      }
    });
  });
}
