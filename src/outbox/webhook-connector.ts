import type { Delivery } from "../store/store.ts";
import { type Connector, type DeliveryResult, deliveryEnvelope, errorCode } from "./connector.ts";

/**
 * Adds headers that prove the request came from Assent: `createWebhookSigner` (Standard
 * Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` over id, timestamp and body).
 */
export type WebhookSigner = (message: WebhookMessage) => Readonly<Record<string, string>>;

/** Exactly what is sent, so that a signer signs the bytes on the wire. */
export interface WebhookMessage {
  readonly deliveryId: string;
  readonly body: string;
}

export interface WebhookConnectorOptions {
  /** The connector name deliveries refer to; "webhook" unless given. */
  readonly name?: string;
  /** An http or https URL. */
  readonly url: string;
  /** Per request. Keep it well below the worker's lease, or a slow peer sees a second worker. */
  readonly timeoutMs: number;
  readonly sign?: WebhookSigner;
}

/**
 * A connector that POSTs each delivery as JSON to one URL. The body names the delivery, the
 * decision, the subject and the recipient, and carries the payload as stored. Headers:
 * `Idempotency-Key` (the same on every retry, so the peer can drop repeats; it is shared by the
 * recipients of one decision, so a peer serving several recipients dedups on key and recipient)
 * and `Assent-Delivery-Id`.
 *
 * 2xx is delivered; 408, 425, 429, 5xx, network errors and timeouts are transient; anything
 * else (other 4xx, a redirect) is permanent.
 *
 * @example
 * const url = "https://crm.example/hooks/assent";
 * const webhook = createWebhookConnector({ url, timeoutMs: 5000 });
 */
export function createWebhookConnector(options: WebhookConnectorOptions): Connector {
  const url = checkedUrl(options.url);
  return {
    name: options.name ?? "webhook",
    deliver: (delivery) => post(url, options, delivery),
  };
}

async function post(
  url: URL,
  options: WebhookConnectorOptions,
  delivery: Delivery,
): Promise<DeliveryResult> {
  const body = deliveryEnvelope(delivery);
  if (body === undefined) return { outcome: "permanent", code: "bad_payload" };

  const signed = options.sign?.({ deliveryId: delivery.deliveryId, body }) ?? {};
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: headersOf(delivery, signed),
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const result = classifyStatus(response.status, response.headers.get("retry-after"));
    // The body is never read (it may hold personal data); cancelling it frees the socket.
    await response.body?.cancel().catch(() => undefined);
    return result;
  } catch (error: unknown) {
    return { outcome: "transient", code: networkCode(error) };
  }
}

/** The signer's headers, then ours, which a signer cannot replace (names ignore case). */
function headersOf(delivery: Delivery, signed: Readonly<Record<string, string>>): Headers {
  const headers = new Headers(signed);
  headers.set("Content-Type", "application/json");
  headers.set("Idempotency-Key", delivery.idempotencyKey);
  headers.set("Assent-Delivery-Id", delivery.deliveryId);
  return headers;
}

const TRANSIENT_4XX = new Set([408, 425, 429]);

/**
 * The outcome of an HTTP status. `retryAfter` is the `Retry-After` header; only its
 * delay-seconds form is honoured.
 *
 * @example
 * classifyStatus(503, "30") // { outcome: "transient", code: "http_503", retryAfterMs: 30000 }
 */
export function classifyStatus(status: number, retryAfter: string | null = null): DeliveryResult {
  const code = `http_${status}`;
  if (status >= 200 && status < 300) return { outcome: "delivered", code };
  if (status >= 500 || TRANSIENT_4XX.has(status)) {
    const retryAfterMs = retryAfterMillis(retryAfter);
    return retryAfterMs === undefined
      ? { outcome: "transient", code }
      : { outcome: "transient", code, retryAfterMs };
  }
  return { outcome: "permanent", code };
}

function retryAfterMillis(header: string | null): number | undefined {
  if (header === null || !/^\d{1,9}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/** "timeout" for our own deadline, the socket error's code (lowercased) otherwise. */
function networkCode(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timeout";
  if (error instanceof Error && error.name === "AbortError") return "aborted";
  const cause = error instanceof Error ? error.cause : undefined;
  return errorCode(cause, errorCode(error, "network_error"));
}

function checkedUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`webhook url must be http or https, not ${url.protocol}`);
  }
  return url;
}
