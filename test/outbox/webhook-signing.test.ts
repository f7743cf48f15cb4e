import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { Instant } from "../../src/engine/types.ts";
import { createWebhookConnector } from "../../src/outbox/webhook-connector.ts";
import {
  createWebhookSigner,
  MAX_WEBHOOK_SECRETS,
  parseWebhookSecrets,
} from "../../src/outbox/webhook-signing.ts";
import { claimed } from "./support.ts";

/**
 * Standard Webhooks signing, proven with the reference `standardwebhooks` package: real
 * deliveries to a local HTTP receiver that verifies each one with `Webhook.verify`, as a
 * receiver following the specification would.
 */

const secret = (bytes = 32) => `whsec_${randomBytes(bytes).toString("base64")}`;

/** One request as the receiver got it, and what `Webhook.verify` said. */
interface Received {
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly verified: boolean;
  readonly error?: string;
}

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

/** A receiver holding one secret: 204 when the signature verifies, 401 when it does not. */
async function startReceiver(held: string): Promise<Receiver> {
  const verifier = new Webhook(held);
  const received: Received[] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await rawBody(request);
    const headers = flatHeaders(request);
    try {
      verifier.verify(body, headers);
      received.push({ body, headers, verified: true });
      response.writeHead(204).end();
    } catch (error) {
      const message = error instanceof WebhookVerificationError ? error.message : String(error);
      received.push({ body, headers, verified: false, error: message });
      response.writeHead(401).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const receiver = {
    url: `http://127.0.0.1:${port}/hooks/assent`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  receivers.push(receiver);
  return receiver;
}

async function rawBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers[name] = value;
  }
  return headers;
}

function signedConnector(url: string, secrets: readonly string[], clock: () => Instant = Date.now) {
  const sign = createWebhookSigner({ secrets, clock });
  return createWebhookConnector({ url, timeoutMs: 2000, sign });
}

/** The signature computed from the specification with node's own HMAC, not the package. */
function expectedSignature(held: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(held.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

describe("Standard Webhooks signing on real deliveries", () => {
  test("a receiver holding the secret verifies the delivery with Webhook.verify", async () => {
    const held = secret();
    const receiver = await startReceiver(held);
    const delivery = claimed("1");

    const result = await signedConnector(receiver.url, [held]).deliver(delivery);

    assert.deepEqual(result, { outcome: "delivered", code: "http_204" });
    const [got] = receiver.received;
    assert.equal(got?.verified, true);
    assert.equal(got?.headers["webhook-id"], delivery.deliveryId);
    assert.equal(JSON.parse(got?.body ?? "").deliveryId, delivery.deliveryId);
  });

  test("id, timestamp and signature follow the specification byte for byte", async () => {
    const held = secret();
    const receiver = await startReceiver(held);
    const at = Date.now() - 1234;
    await signedConnector(receiver.url, [held], () => at).deliver(claimed("2"));

    const got = receiver.received[0];
    if (got === undefined) throw new Error("nothing received");
    const timestamp = String(Math.floor(at / 1000));
    assert.equal(got.headers["webhook-timestamp"], timestamp);
    assert.equal(
      got.headers["webhook-signature"],
      expectedSignature(held, "del-2", timestamp, got.body),
    );
  });

  test("during a rotation a receiver holding only the old or only the new secret verifies", async () => {
    const [oldSecret, newSecret] = [secret(), secret(48)];
    const oldReceiver = await startReceiver(oldSecret);
    const newReceiver = await startReceiver(newSecret);
    const strangerReceiver = await startReceiver(secret());

    const secrets = [newSecret, oldSecret];
    const onOld = await signedConnector(oldReceiver.url, secrets).deliver(claimed("3"));
    const onNew = await signedConnector(newReceiver.url, secrets).deliver(claimed("3"));
    const onStranger = await signedConnector(strangerReceiver.url, secrets).deliver(claimed("3"));

    assert.deepEqual(onOld, { outcome: "delivered", code: "http_204" });
    assert.deepEqual(onNew, { outcome: "delivered", code: "http_204" });
    assert.deepEqual(onStranger, { outcome: "permanent", code: "http_401" });
    assert.equal(strangerReceiver.received[0]?.error, "No matching signature found");

    const signatures = oldReceiver.received[0]?.headers["webhook-signature"]?.split(" ") ?? [];
    assert.equal(signatures.length, 2);
    assert.ok(signatures.every((each) => each.startsWith("v1,")));
  });

  test("after the rotation ends, a receiver still on the old secret is refused", async () => {
    const [oldSecret, newSecret] = [secret(), secret()];
    const oldReceiver = await startReceiver(oldSecret);
    const result = await signedConnector(oldReceiver.url, [newSecret]).deliver(claimed("4"));
    assert.deepEqual(result, { outcome: "permanent", code: "http_401" });
  });

  test("a tampered body, id or timestamp fails verification", async () => {
    const held = secret();
    const receiver = await startReceiver(held);
    await signedConnector(receiver.url, [held]).deliver(claimed("5"));
    const got = receiver.received[0];
    if (got === undefined) throw new Error("nothing received");
    const verifier = new Webhook(held);

    assert.doesNotThrow(() => verifier.verify(got.body, got.headers));
    const tamperedBody = got.body.replace('"sub-5"', '"sub-6"');
    assert.notEqual(tamperedBody, got.body);
    assert.throws(() => verifier.verify(tamperedBody, got.headers), WebhookVerificationError);
    const otherId = { ...got.headers, "webhook-id": "del-other" };
    assert.throws(() => verifier.verify(got.body, otherId), WebhookVerificationError);
    const stamp = String(Number(got.headers["webhook-timestamp"]) - 1);
    const otherTime = { ...got.headers, "webhook-timestamp": stamp };
    assert.throws(() => verifier.verify(got.body, otherTime), WebhookVerificationError);
  });

  test("a timestamp outside the receiver's tolerance is refused (replay protection)", async () => {
    const held = secret();
    const receiver = await startReceiver(held);
    const tenMinutesAgo = () => Date.now() - 10 * 60_000;
    const result = await signedConnector(receiver.url, [held], tenMinutesAgo).deliver(claimed("7"));
    assert.deepEqual(result, { outcome: "permanent", code: "http_401" });
    assert.equal(receiver.received[0]?.error, "Message timestamp too old");
  });

  test("a retry keeps its webhook-id and carries a fresh timestamp and signature", async () => {
    const held = secret();
    const receiver = await startReceiver(held);
    let now = Date.now() - 60_000;
    const connector = signedConnector(receiver.url, [held], () => now);
    await connector.deliver(claimed("8"));
    now += 30_000;
    await connector.deliver(claimed("8"));

    const [first, second] = receiver.received;
    assert.equal(first?.verified && second?.verified, true);
    assert.equal(first?.headers["webhook-id"], second?.headers["webhook-id"]);
    assert.equal(
      Number(second?.headers["webhook-timestamp"]) - Number(first?.headers["webhook-timestamp"]),
      30,
    );
    assert.notEqual(first?.headers["webhook-signature"], second?.headers["webhook-signature"]);
  });
});

describe("webhook secrets from configuration", () => {
  test("secrets are read separated by spaces, commas or lines", () => {
    const [a, b, c] = [secret(), secret(), secret()];
    assert.deepEqual(parseWebhookSecrets(`${a}, ${b}\n${c}\n`, "test"), [a, b, c]);
  });

  test("a malformed secret is refused naming its source and position, never its value", () => {
    const cases = [
      "whsec_short",
      `${"x".repeat(6)}${randomBytes(32).toString("base64")}`,
      `whsec_${randomBytes(16).toString("base64")}`,
      `whsec_${randomBytes(65).toString("base64")}`,
      "whsec_not*base64*at*all*but*long*enough*to*pass",
    ];
    for (const bad of cases) {
      const text = `${secret()} ${bad}`;
      assert.throws(
        () => parseWebhookSecrets(text, "ASSENT_WEBHOOK_SECRETS"),
        (error: Error) =>
          error.message.startsWith("ASSENT_WEBHOOK_SECRETS (secret 2): expected whsec_") &&
          !error.message.includes(bad),
        bad,
      );
    }
  });

  test("no secret, a repeated one, or more than the limit is refused", () => {
    const one = secret();
    assert.throws(() => parseWebhookSecrets(" ", "env"), /env: give at least one secret/);
    assert.throws(() => parseWebhookSecrets(`${one} ${one}`, "env"), /env: a secret repeats/);
    const many = Array.from({ length: MAX_WEBHOOK_SECRETS + 1 }, () => secret()).join(" ");
    assert.throws(() => parseWebhookSecrets(many, "env"), /at most 5 active secrets/);
  });

  test("a signer is never built from an invalid secret", () => {
    assert.throws(() => createWebhookSigner({ secrets: ["plain-text"], clock: Date.now }));
  });
});
