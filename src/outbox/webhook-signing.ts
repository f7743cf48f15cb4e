import { Webhook } from "standardwebhooks";
import { z } from "zod";
import type { Instant } from "../engine/types.ts";
import type { WebhookSigner } from "./webhook-connector.ts";

/** The prefix the Standard Webhooks specification gives symmetric secrets. */
const SECRET_PREFIX = "whsec_";

/** Shortest and longest key the specification recommends, in bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** More active secrets than this is a rotation that was never finished. */
export const MAX_WEBHOOK_SECRETS = 5;

const EXPECTED = `${SECRET_PREFIX} followed by the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes`;

/**
 * A Standard Webhooks signing secret, `whsec_` and base64. Errors never repeat the value.
 *
 * @example WebhookSecret.parse(`whsec_${randomBytes(32).toString("base64")}`)
 */
export const WebhookSecret = z
  .string()
  .refine((text) => keyBytes(text) !== undefined, { error: `expected ${EXPECTED}` });

/** One or more active secrets: every one signs each request, so receivers may hold any one. */
export const WebhookSecrets = z
  .array(WebhookSecret)
  .min(1, { error: "give at least one secret" })
  .max(MAX_WEBHOOK_SECRETS, { error: `at most ${MAX_WEBHOOK_SECRETS} active secrets` })
  .refine((secrets) => new Set(secrets).size === secrets.length, { error: "a secret repeats" });

/** The decoded key of a well-formed secret, undefined otherwise. */
function keyBytes(text: string): Buffer | undefined {
  if (!text.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = text.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded, "base64");
  return bytes.length >= MIN_KEY_BYTES && bytes.length <= MAX_KEY_BYTES ? bytes : undefined;
}

/**
 * Reads secrets written one after another, separated by white space or commas (an environment
 * variable, or a file with one per line). Throws naming `source` and the secret's position,
 * never its value.
 *
 * @example parseWebhookSecrets(process.env.ASSENT_WEBHOOK_SECRETS ?? "", "ASSENT_WEBHOOK_SECRETS")
 */
export function parseWebhookSecrets(text: string, source: string): string[] {
  const secrets = text.split(/[\s,]+/).filter((part) => part !== "");
  const result = WebhookSecrets.safeParse(secrets);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const position = typeof issue?.path[0] === "number" ? ` (secret ${issue.path[0] + 1})` : "";
  throw new Error(`${source}${position}: ${issue?.message ?? `expected ${EXPECTED}`}`);
}

export interface WebhookSignerOptions {
  /** Active secrets, newest first; validated by `WebhookSecrets`. */
  readonly secrets: readonly string[];
  /** The signing instant, read on every attempt: a retry carries a fresh timestamp. */
  readonly clock: () => Instant;
}

/**
 * Signs per the Standard Webhooks specification: `webhook-id` (the delivery id, the same on
 * every retry, so receivers can drop repeats), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` once per active
 * secret, space-separated. During a rotation both the old and the new secret sign, so a
 * receiver that holds either one verifies; remove the old secret once every receiver moved.
 *
 * @example
 * const sign = createWebhookSigner({ secrets: [newSecret, oldSecret], clock: Date.now });
 * const webhook = createWebhookConnector({ url, timeoutMs: 10_000, sign });
 */
export function createWebhookSigner(options: WebhookSignerOptions): WebhookSigner {
  const signers = WebhookSecrets.parse(options.secrets).map((secret) => new Webhook(secret));
  return ({ deliveryId, body }) => {
    const at = new Date(Math.floor(options.clock() / 1000) * 1000);
    const signatures = signers.map((signer) => signer.sign(deliveryId, at, body));
    return {
      "webhook-id": deliveryId,
      "webhook-timestamp": String(at.getTime() / 1000),
      "webhook-signature": signatures.join(" "),
    };
  };
}
