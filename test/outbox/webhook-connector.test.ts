import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, test } from "node:test";
import { classifyStatus, createWebhookConnector } from "../../src/outbox/webhook-connector.ts";
import { claimed, type Peer, startPeer } from "./support.ts";

let peer: Peer | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

async function deliverTo(status: number, headers: Record<string, string> = {}) {
  await peer?.close();
  peer = await startPeer(() => ({ status, headers }));
  const webhook = createWebhookConnector({ url: peer.url, timeoutMs: 2000 });
  return webhook.deliver(claimed("1"));
}

/** A port that was just free: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("webhook connector against a real peer", () => {
  test("2xx is delivered, with a short code and no body", async () => {
    assert.deepEqual(await deliverTo(200), { outcome: "delivered", code: "http_200" });
    assert.deepEqual(await deliverTo(204), { outcome: "delivered", code: "http_204" });
  });

  test("408, 425, 429 and 5xx are transient", async () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504]) {
      const result = await deliverTo(status);
      assert.deepEqual(result, { outcome: "transient", code: `http_${status}` });
    }
  });

  test("other 4xx are permanent", async () => {
    for (const status of [400, 401, 403, 404, 409, 410, 422]) {
      assert.deepEqual(await deliverTo(status), { outcome: "permanent", code: `http_${status}` });
    }
  });

  test("a redirect is not followed and is permanent", async () => {
    const result = await deliverTo(301, { location: "http://127.0.0.1:1/elsewhere" });
    assert.deepEqual(result, { outcome: "permanent", code: "http_301" });
    assert.equal(peer?.requests.length, 1);
  });

  test("Retry-After in seconds comes back with a transient result", async () => {
    const result = await deliverTo(503, { "retry-after": "12" });
    assert.deepEqual(result, { outcome: "transient", code: "http_503", retryAfterMs: 12_000 });
  });

  test("a refused connection is transient econnrefused", async () => {
    const port = await closedPort();
    const webhook = createWebhookConnector({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
    assert.deepEqual(await webhook.deliver(claimed("1")), {
      outcome: "transient",
      code: "econnrefused",
    });
  });

  test("a peer slower than the timeout is transient timeout", async () => {
    peer = await startPeer(() => ({ status: 200, delayMs: 500 }));
    const webhook = createWebhookConnector({ url: peer.url, timeoutMs: 50 });
    assert.deepEqual(await webhook.deliver(claimed("1")), {
      outcome: "transient",
      code: "timeout",
    });
  });

  test("posts the envelope with the idempotency key and delivery id headers", async () => {
    peer = await startPeer(() => ({ status: 200 }));
    const webhook = createWebhookConnector({ url: peer.url, timeoutMs: 2000 });
    const delivery = claimed("1");
    await webhook.deliver(delivery);

    const request = peer.requests[0];
    assert.equal(request?.method, "POST");
    assert.equal(request?.headers["content-type"], "application/json");
    assert.equal(request?.headers["idempotency-key"], delivery.idempotencyKey);
    assert.equal(request?.headers["assent-delivery-id"], delivery.deliveryId);
    assert.deepEqual(request?.body, {
      deliveryId: delivery.deliveryId,
      idempotencyKey: delivery.idempotencyKey,
      decisionId: delivery.decisionId,
      subjectId: delivery.subjectId,
      recipient: delivery.recipient,
      payload: JSON.parse(delivery.payload),
    });
  });

  test("a signer sees the exact body and adds its headers, which cannot replace ours", async () => {
    peer = await startPeer(() => ({ status: 200 }));
    const signed: string[] = [];
    const webhook = createWebhookConnector({
      url: peer.url,
      timeoutMs: 2000,
      sign: ({ deliveryId, body }) => {
        signed.push(body);
        return { "webhook-id": deliveryId, "idempotency-key": "forged" };
      },
    });
    const delivery = claimed("1");
    await webhook.deliver(delivery);

    const request = peer.requests[0];
    assert.equal(request?.headers["webhook-id"], delivery.deliveryId);
    assert.equal(request?.headers["idempotency-key"], delivery.idempotencyKey);
    assert.deepEqual(JSON.parse(signed[0] ?? ""), request?.body);
  });

  test("a payload that is not JSON is permanent and sends nothing", async () => {
    peer = await startPeer(() => ({ status: 200 }));
    const webhook = createWebhookConnector({ url: peer.url, timeoutMs: 2000 });
    const result = await webhook.deliver(claimed("1", { payload: "{not json" }));
    assert.deepEqual(result, { outcome: "permanent", code: "bad_payload" });
    assert.equal(peer.requests.length, 0);
  });

  test("refuses a URL that is not http or https", () => {
    assert.throws(() => createWebhookConnector({ url: "file:///etc/passwd", timeoutMs: 1 }));
  });
});

describe("webhook status classification", () => {
  test("every status from 100 to 599 has one outcome by the rule", () => {
    for (let status = 100; status < 600; status += 1) {
      const { outcome, code } = classifyStatus(status);
      const expected =
        status >= 200 && status < 300
          ? "delivered"
          : status >= 500 || [408, 425, 429].includes(status)
            ? "transient"
            : "permanent";
      assert.equal(outcome, expected, `status ${status}`);
      assert.equal(code, `http_${status}`);
    }
  });

  test("Retry-After as an HTTP date or garbage is ignored", () => {
    assert.equal(classifyStatus(503, "Wed, 21 Oct 2026 07:28:00 GMT").retryAfterMs, undefined);
    assert.equal(classifyStatus(503, "-1").retryAfterMs, undefined);
    assert.equal(classifyStatus(400, "5").retryAfterMs, undefined);
  });
});
