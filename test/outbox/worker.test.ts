import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import pino from "pino";
import type { Connector } from "../../src/outbox/connector.ts";
import { createWebhookConnector } from "../../src/outbox/webhook-connector.ts";
import {
  createDeliveryWorker,
  type DeliveryWorkerOptions,
  type OutboxLogger,
} from "../../src/outbox/worker.ts";
import {
  manualClock,
  newDelivery,
  openTestStore,
  type Peer,
  type Respond,
  recordingLogger,
  startPeer,
  T0,
  type TestStore,
  until,
} from "./support.ts";

const backoff = { baseMs: 1000, capMs: 60_000, maxAttempts: 5 };
const LEASE = 30_000;

let db: TestStore;
let peer: Peer | undefined;

beforeEach(async () => {
  db = await openTestStore();
});

afterEach(async () => {
  await peer?.close();
  peer = undefined;
  await db.close();
});

async function peerThat(respond: Respond): Promise<Connector> {
  peer = await startPeer(respond);
  return createWebhookConnector({ url: peer.url, timeoutMs: 2000 });
}

function workerWith(
  webhook: Connector,
  clock: () => number,
  extra: Partial<DeliveryWorkerOptions> = {},
) {
  return createDeliveryWorker({
    store: db.store,
    connectors: new Map([[webhook.name, webhook]]),
    clock,
    batch: 10,
    leaseMs: LEASE,
    backoff,
    random: () => 0.5,
    ...extra,
  });
}

function requestsOf(id: string): number {
  return peer?.requests.filter((request) => request.deliveryId === id).length ?? 0;
}

describe("delivery worker", () => {
  test("delivers once, with the idempotency key, and never claims it again", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    const delivery = newDelivery("1");
    await db.enqueue(delivery);

    assert.deepEqual(await worker.runOnce(), { delivered: 1, retried: 0, failed: 0 });
    clock.advance(10 * LEASE);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });

    const [request, ...rest] = peer?.requests ?? [];
    assert.equal(rest.length, 0);
    assert.equal(request?.method, "POST");
    assert.equal(request?.headers["idempotency-key"], delivery.idempotencyKey);
    assert.equal(request?.headers["assent-delivery-id"], delivery.deliveryId);
    assert.equal(request?.headers["content-type"], "application/json");
    assert.deepEqual(request?.body.payload, JSON.parse(delivery.payload));
    assert.equal(await db.store.outboxDepth(), 0);
  });

  test("a transient 503 is retried after its backoff, then delivered once", async () => {
    const webhook = await peerThat((_, seen) => ({ status: seen.length === 1 ? 503 : 200 }));
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    await db.enqueue(newDelivery("1"));

    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 1, failed: 0 });
    // First retry: full jitter over [0, baseMs), drawn at 0.5 → 500 ms.
    clock.advance(499);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    clock.advance(1);
    assert.deepEqual(await worker.runOnce(), { delivered: 1, retried: 0, failed: 0 });
    clock.advance(10 * LEASE);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });

    const keys = new Set(peer?.requests.map((request) => request.idempotencyKey));
    assert.equal(peer?.requests.length, 2);
    assert.equal(keys.size, 1);
    assert.equal(peer?.accepted().get("del-1"), 1);
  });

  test("a 400 is permanent and never retried", async () => {
    const webhook = await peerThat(() => ({ status: 400 }));
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    await db.enqueue(newDelivery("1"));

    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 1 });
    clock.advance(backoff.capMs * 100);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    assert.equal(peer?.requests.length, 1);
    assert.equal(await db.store.outboxDepth(), 0);
  });

  test("one recipient's 410 never resends to the other recipient, who got a 200", async () => {
    const webhook = await peerThat((request) => ({
      status: request.recipient === "gone" ? 410 : 200,
    }));
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    const shared = { decisionId: "dec-1", idempotencyKey: "node:sub-1:evt-1", subjectId: "sub-1" };
    await db.enqueue(
      newDelivery("a", { ...shared, recipient: "gone" }),
      newDelivery("b", { ...shared, recipient: "crm" }),
    );

    assert.deepEqual(await worker.runOnce(), { delivered: 1, retried: 0, failed: 1 });
    clock.advance(backoff.capMs * 100);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    assert.equal(requestsOf("del-a"), 1);
    assert.equal(requestsOf("del-b"), 1);
  });

  test("one recipient's retries never resend to the other recipient, who got a 200", async () => {
    const webhook = await peerThat((request, seen) => {
      const flaky = request.recipient === "flaky";
      const tries = seen.filter((each) => each.recipient === "flaky").length;
      return { status: flaky && tries < 3 ? 503 : 200 };
    });
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    const shared = { decisionId: "dec-1", idempotencyKey: "node:sub-1:evt-1", subjectId: "sub-1" };
    await db.enqueue(
      newDelivery("a", { ...shared, recipient: "flaky" }),
      newDelivery("b", { ...shared, recipient: "crm" }),
    );

    for (let run = 0; run < 6; run += 1) {
      await worker.runOnce();
      clock.advance(backoff.capMs);
    }
    assert.equal(requestsOf("del-a"), 3);
    assert.equal(requestsOf("del-b"), 1);
    assert.equal(peer?.accepted().get("del-a"), 1);
  });

  test("a transient failure on the last allowed attempt fails for good", async () => {
    const webhook = await peerThat(() => ({ status: 503 }));
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now, { backoff: { ...backoff, maxAttempts: 3 } });
    await db.enqueue(newDelivery("1"));

    const runs = [];
    for (let run = 0; run < 5; run += 1) {
      runs.push(await worker.runOnce());
      clock.advance(backoff.capMs);
    }
    assert.deepEqual(
      runs.map((each) => [each.retried, each.failed]),
      [
        [1, 0],
        [1, 0],
        [0, 1],
        [0, 0],
        [0, 0],
      ],
    );
    assert.equal(peer?.requests.length, 3);
  });

  test("Retry-After longer than the backoff is honoured", async () => {
    const webhook = await peerThat((_, seen) =>
      seen.length === 1 ? { status: 429, headers: { "retry-after": "7" } } : { status: 200 },
    );
    const clock = manualClock();
    const worker = workerWith(webhook, clock.now);
    await db.enqueue(newDelivery("1"));

    await worker.runOnce();
    clock.advance(6_999);
    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    clock.advance(1);
    assert.deepEqual(await worker.runOnce(), { delivered: 1, retried: 0, failed: 0 });
  });

  test("an unknown connector fails permanently without sending anything", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const logger = recordingLogger();
    const worker = workerWith(webhook, manualClock().now, { logger });
    await db.enqueue(newDelivery("1", { connector: "carrier-pigeon" }));

    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 0, failed: 1 });
    assert.equal(peer?.requests.length, 0);
    assert.equal(logger.lines[0]?.fields.code, "unknown_connector");
    assert.equal(logger.lines[0]?.level, "error");
  });

  test("a connector that throws is retried, not lost", async () => {
    const faulty: Connector = {
      name: "webhook",
      deliver: () => Promise.reject(new Error("bug")),
    };
    const worker = workerWith(faulty, manualClock().now);
    await db.enqueue(newDelivery("1"));

    assert.deepEqual(await worker.runOnce(), { delivered: 0, retried: 1, failed: 0 });
    assert.equal(await db.store.outboxDepth(), 1);
  });
});

describe("delivery worker across restarts and concurrency", () => {
  test("a worker stopped mid-way and a new one on the same store never resend", async () => {
    const webhook = await peerThat(() => ({ status: 200, delayMs: 20 }));
    const ids = ["1", "2", "3", "4", "5", "6", "7", "8"];
    await db.enqueue(...ids.map((id) => newDelivery(id)));

    const first = workerWith(webhook, () => T0, { batch: 2, pollMs: 5 });
    first.start();
    await until(() => (peer?.requests.length ?? 0) >= 1);
    await first.stop();
    const sentByFirst = peer?.requests.length ?? 0;
    assert.ok(sentByFirst < ids.length, "the first worker stopped before finishing");
    assert.equal(peer?.accepted().size, sentByFirst, "stop waited for the batch in flight");

    // A new instance, as after a restart; the clock is past every lease the first one took.
    const second = workerWith(webhook, () => T0 + 10 * LEASE, { batch: 2 });
    let total = sentByFirst;
    for (let run = 0; run < ids.length; run += 1) total += (await second.runOnce()).delivered;

    assert.equal(total, ids.length);
    for (const id of ids) assert.equal(requestsOf(`del-${id}`), 1, `del-${id} sent once`);
  });

  test("a worker that dies before recording is followed after its lease, same key", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const delivery = newDelivery("1");
    await db.enqueue(delivery);

    // The dead worker claimed and sent, but never recorded the attempt.
    const [lost] = await db.store.claimDeliveries(T0, 10, LEASE);
    assert.equal((await webhook.deliver(lost ?? assert.fail())).outcome, "delivered");

    const next = workerWith(webhook, manualClock(T0 + LEASE - 1).now);
    assert.deepEqual(await next.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    const late = workerWith(webhook, manualClock(T0 + LEASE).now);
    assert.deepEqual(await late.runOnce(), { delivered: 1, retried: 0, failed: 0 });

    const keys = peer?.requests.map((request) => request.headers["idempotency-key"]);
    assert.deepEqual(keys, [delivery.idempotencyKey, delivery.idempotencyKey]);
  });

  test("two workers running at once deliver each item once", async () => {
    const webhook = await peerThat(() => ({ status: 200, delayMs: 2 }));
    const ids = Array.from({ length: 40 }, (_, index) => String(index));
    await db.enqueue(...ids.map((id) => newDelivery(id)));

    const workers = [1, 2].map(() => workerWith(webhook, () => T0, { batch: 4, pollMs: 5 }));
    for (const worker of workers) worker.start();
    await until(() => peer?.accepted().size === ids.length);
    await Promise.all(workers.map((worker) => worker.stop()));

    assert.equal(peer?.requests.length, ids.length);
    assert.equal(await db.store.outboxDepth(), 0);
  });

  test("two workers claiming at the same instant take disjoint batches", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const ids = Array.from({ length: 12 }, (_, index) => String(index));
    await db.enqueue(...ids.map((id) => newDelivery(id)));

    const [a, b] = [1, 2].map(() => workerWith(webhook, () => T0, { batch: 4 }));
    const round = await Promise.all([a?.runOnce(), b?.runOnce()]);
    assert.deepEqual(
      round.map((each) => each?.delivered),
      [4, 4],
    );
    await Promise.all([a?.runOnce(), b?.runOnce()]);
    assert.equal(peer?.requests.length, ids.length);
    assert.equal(new Set(peer?.requests.map((request) => request.deliveryId)).size, ids.length);
  });

  test("an attempt the store fails to record is sent again after the lease, not lost", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const logger = recordingLogger();
    const broken = {
      claimDeliveries: db.store.claimDeliveries.bind(db.store),
      recordAttempt: () => Promise.reject(new Error("disk full")),
    };
    await db.enqueue(newDelivery("1"));

    const first = workerWith(webhook, () => T0, { store: broken, logger });
    assert.deepEqual(await first.runOnce(), { delivered: 0, retried: 0, failed: 0 });
    assert.equal(logger.lines[0]?.level, "warn");
    const next = workerWith(webhook, () => T0 + LEASE);
    assert.deepEqual(await next.runOnce(), { delivered: 1, retried: 0, failed: 0 });
    assert.equal(peer?.requests.length, 2);
  });

  test("stop before start and a second start are harmless", async () => {
    const webhook = await peerThat(() => ({ status: 200 }));
    const worker = workerWith(webhook, () => T0, { pollMs: 5 });
    await worker.stop();
    worker.start();
    worker.start();
    await db.enqueue(newDelivery("1"));
    await until(() => peer?.accepted().size === 1);
    await worker.stop();
    assert.equal(peer?.requests.length, 1);
  });
});

describe("delivery worker logs", () => {
  test("log lines carry ids and codes only, never the recipient, payload or body", async () => {
    const webhook = await peerThat((request) => ({
      status: request.deliveryId === "del-1" ? 200 : 503,
    }));
    const logger = recordingLogger();
    const worker = workerWith(webhook, manualClock().now, { logger });
    await db.enqueue(newDelivery("1"), newDelivery("2"));

    await worker.runOnce();
    const text = JSON.stringify(logger.lines);
    assert.equal(logger.lines.length, 2);
    assert.doesNotMatch(text, /@example\.com|Ana|firstName|claim-status-v2/);
    for (const line of logger.lines) {
      assert.deepEqual(Object.keys(line.fields).slice(0, 6), [
        "deliveryId",
        "decisionId",
        "subjectId",
        "connector",
        "code",
        "attempts",
      ]);
    }
  });

  test("a pino logger is an outbox logger", () => {
    const logger: OutboxLogger = pino({ enabled: false });
    logger.info({ deliveryId: "d" }, "delivery delivered");
  });
});

describe("delivery worker options", () => {
  const base = { connectors: new Map(), clock: () => T0, batch: 1, leaseMs: 1, backoff };
  const store = { claimDeliveries: async () => [], recordAttempt: async () => {} };

  test("refuses a batch, lease or backoff that cannot work", () => {
    assert.throws(() => createDeliveryWorker({ ...base, store, batch: 0 }), RangeError);
    assert.throws(() => createDeliveryWorker({ ...base, store, leaseMs: 0 }), RangeError);
    const zeroBase = { ...backoff, baseMs: 0 };
    assert.throws(() => createDeliveryWorker({ ...base, store, backoff: zeroBase }), RangeError);
  });
});
