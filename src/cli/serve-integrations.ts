import { readFileSync } from "node:fs";
import type { Instant } from "../engine/types.ts";
import { observeConnector } from "../observability/app-metrics.ts";
import {
  addBacklogGauges,
  addTimerGauges,
  createMetrics,
  type Metrics,
} from "../observability/metrics.ts";
import type { Connector } from "../outbox/connector.ts";
import { createWebhookConnector } from "../outbox/webhook-connector.ts";
import { createWebhookSigner, parseWebhookSecrets } from "../outbox/webhook-signing.ts";
import type { Store } from "../store/store.ts";

/** `--metrics`: who may scrape `/metrics`, or `off` for no metrics at all. */
export const METRICS_ACCESS = ["key", "open", "off"] as const;
export type MetricsFlag = (typeof METRICS_ACCESS)[number];

/** The environment variable of the webhook's signing secrets (when no file is given). */
export const WEBHOOK_SECRETS_ENV = "ASSENT_WEBHOOK_SECRETS";

/** Where the webhook's signing secrets come from: a file (one per line) or the environment. */
export interface WebhookFlags {
  readonly webhook?: string;
  readonly webhookSecretsFile?: string;
}

/**
 * The active Standard Webhooks secrets: `--webhook-secrets-file` (one per line, `#` comments)
 * or `ASSENT_WEBHOOK_SECRETS` (separated by spaces or commas). None means unsigned deliveries.
 */
export function webhookSecrets(flags: WebhookFlags, env = process.env): string[] {
  if (flags.webhookSecretsFile !== undefined) {
    const text = readFileSync(flags.webhookSecretsFile, "utf8").replace(/#.*$/gm, "");
    return parseWebhookSecrets(text, flags.webhookSecretsFile);
  }
  const fromEnv = env[WEBHOOK_SECRETS_ENV];
  return fromEnv === undefined ? [] : parseWebhookSecrets(fromEnv, WEBHOOK_SECRETS_ENV);
}

/** The webhook connector, signed when secrets are configured. */
export function webhookConnector(url: string, secrets: readonly string[], clock: () => Instant) {
  const sign = secrets.length === 0 ? undefined : createWebhookSigner({ secrets, clock });
  return createWebhookConnector({ url, timeoutMs: 10_000, sign });
}

/** The metrics registry with the store's saturation gauges, unless `--metrics off`. */
export function serviceMetrics(
  flag: MetricsFlag,
  store: Store,
  clock: () => Instant,
): Metrics | undefined {
  if (flag === "off") return undefined;
  const metrics = createMetrics();
  addBacklogGauges(metrics, () => store.backlog(), clock);
  addTimerGauges(metrics, (now) => store.timerStats(now), clock);
  return metrics;
}

/** Every connector counted by outcome and code, when metrics are on. */
export function observedConnectors(
  connectors: ReadonlyMap<string, Connector>,
  metrics: Metrics | undefined,
): Map<string, Connector> {
  if (metrics === undefined) return new Map(connectors);
  return new Map([...connectors].map(([name, each]) => [name, observeConnector(each, metrics)]));
}
