import type { Delivery } from "../store/store.ts";

/**
 * What one attempt to hand a delivery to the outside world came to.
 *
 * - `delivered`: the recipient accepted it; it is never sent again.
 * - `transient`: it may succeed later (timeouts, 5xx, rate limits): retried with backoff.
 * - `permanent`: retrying cannot help (4xx, a bad payload, an unknown connector); never retried.
 *
 * `code` is short and machine-readable ("http_200", "http_503", "timeout", "econnrefused") and
 * never holds a response body, which may carry personal data.
 */
export interface DeliveryResult {
  readonly outcome: "delivered" | "transient" | "permanent";
  readonly code: string;
  /** A wait the recipient asked for (HTTP `Retry-After`); honoured up to the backoff cap. */
  readonly retryAfterMs?: number;
}

/**
 * A way out of Assent: a webhook, a file, later a CRM task or an escalation. A connector sees the
 * same `idempotencyKey` on every retry of a delivery and passes it on, so that a recipient can
 * drop repeats: delivery is at least once, never exactly once.
 *
 * `deliver` does not throw for an expected failure; it returns the outcome. The worker still
 * treats a throw as transient, so a faulty connector delays deliveries rather than losing them.
 *
 * @example
 * const connectors = new Map([[webhook.name, webhook], [file.name, file]]);
 */
export interface Connector {
  /** Matches `Delivery.connector`. */
  readonly name: string;
  deliver(delivery: Delivery): Promise<DeliveryResult>;
}

/** A short code from an error's `code` (ECONNREFUSED → "econnrefused"), or `fallback`. */
export function errorCode(error: unknown, fallback: string): string {
  if (typeof error !== "object" || error === null || !("code" in error)) return fallback;
  const code = error.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,32}$/i.test(code)
    ? code.toLowerCase()
    : fallback;
}

/**
 * What a connector hands on for a delivery: its ids, the recipient and the stored payload, as
 * one JSON text (the webhook's body, the file connector's line). Undefined when the stored
 * payload is not JSON.
 */
export function deliveryEnvelope(delivery: Delivery): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.payload);
  } catch {
    return undefined;
  }
  return JSON.stringify({
    deliveryId: delivery.deliveryId,
    idempotencyKey: delivery.idempotencyKey,
    decisionId: delivery.decisionId,
    subjectId: delivery.subjectId,
    recipient: delivery.recipient,
    payload,
  });
}
