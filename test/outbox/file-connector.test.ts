import assert from "node:assert/strict";
import { appendFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { openFileConnector } from "../../src/outbox/file-connector.ts";
import { createDeliveryWorker } from "../../src/outbox/worker.ts";
import { claimed, newDelivery, openTestStore, T0 } from "./support.ts";

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "assent-file-connector-"));
  path = join(dir, "out", "deliveries.jsonl");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("file connector", () => {
  test("appends one JSON line per delivery, creating its folder", async () => {
    const file = await openFileConnector({ path });
    const delivery = claimed("1", { connector: "file" });

    assert.deepEqual(await file.deliver(delivery), { outcome: "delivered", code: "written" });
    assert.equal(file.name, "file");
    assert.deepEqual(await lines(), [
      {
        deliveryId: delivery.deliveryId,
        idempotencyKey: delivery.idempotencyKey,
        decisionId: delivery.decisionId,
        subjectId: delivery.subjectId,
        recipient: delivery.recipient,
        payload: JSON.parse(delivery.payload),
      },
    ]);
  });

  test("never writes the same key for the same recipient twice, but does for another", async () => {
    const file = await openFileConnector({ path });
    const first = claimed("1");

    await file.deliver(first);
    const again = await file.deliver({ ...first, deliveryId: "del-retry", attempts: 1 });
    await file.deliver({ ...first, deliveryId: "del-other", recipient: "crm" });

    assert.deepEqual(again, { outcome: "delivered", code: "already_delivered" });
    assert.deepEqual(
      (await lines()).map((line) => line.recipient),
      [first.recipient, "crm"],
    );
  });

  test("stays idempotent across a restart", async () => {
    const delivery = claimed("1");
    await (await openFileConnector({ path })).deliver(delivery);

    const restarted = await openFileConnector({ path });
    assert.equal((await restarted.deliver(delivery)).code, "already_delivered");
    assert.equal((await restarted.deliver(claimed("2"))).code, "written");
    assert.equal((await lines()).length, 2);
  });

  test("concurrent deliveries of one key write one line", async () => {
    const file = await openFileConnector({ path });
    const delivery = claimed("1");

    const results = await Promise.all([1, 2, 3, 4].map(() => file.deliver(delivery)));
    assert.deepEqual(results.map((result) => result.code).sort(), [
      "already_delivered",
      "already_delivered",
      "already_delivered",
      "written",
    ]);
    assert.equal((await lines()).length, 1);
  });

  test("a torn last line from a crash is skipped and closed before the next line", async () => {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, '{"deliveryId":"del-0","idempotencyKey":"k","recipient":"crm"}\n{"deli');

    const file = await openFileConnector({ path });
    assert.equal((await file.deliver(claimed("1"))).code, "written");
    const text = await readFile(path, "utf8");
    const last = text.trimEnd().split("\n").at(-1) ?? "";
    assert.equal((JSON.parse(last) as { deliveryId: string }).deliveryId, "del-1");
    assert.equal(
      (await file.deliver(claimed("0", { idempotencyKey: "k", recipient: "crm" }))).code,
      "already_delivered",
    );
  });

  test("a file that cannot be written is transient, with the error code", async () => {
    const file = await openFileConnector({ path });
    await mkdir(path);
    assert.deepEqual(await file.deliver(claimed("1")), { outcome: "transient", code: "eisdir" });
  });

  test("a payload that is not JSON is permanent and writes nothing", async () => {
    const file = await openFileConnector({ path });
    const result = await file.deliver(claimed("1", { payload: "{not json" }));
    assert.deepEqual(result, { outcome: "permanent", code: "bad_payload" });
  });

  test("with the worker: a restarted worker and connector write each delivery once", async () => {
    const db = await openTestStore();
    try {
      await db.enqueue(...["1", "2", "3"].map((id) => newDelivery(id, { connector: "file" })));
      for (const clock of [T0, T0 + 60_000]) {
        const file = await openFileConnector({ path });
        const worker = createDeliveryWorker({
          store: db.store,
          connectors: new Map([[file.name, file]]),
          clock: () => clock,
          batch: 2,
          leaseMs: 30_000,
          backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 5 },
        });
        await worker.runOnce();
      }
      assert.deepEqual(
        (await lines()).map((line) => line.deliveryId),
        ["del-1", "del-2", "del-3"],
      );
    } finally {
      await db.close();
    }
  });
});
