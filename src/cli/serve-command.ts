import { join, resolve } from "node:path";
import { Command } from "commander";
import { loadOrCreateApiKeys } from "../app/api-keys.ts";
import { createApp } from "../app/app.ts";
import { createHttpServer } from "../http/server.ts";
import { observeApp } from "../observability/app-metrics.ts";
import { createLogger, type Logger, type LogLevel } from "../observability/logger.ts";
import { tracingFromEnv } from "../observability/tracing.ts";
import type { Connector } from "../outbox/connector.ts";
import { openFileConnector } from "../outbox/file-connector.ts";
import { createDeliveryWorker, decisionSpanIn } from "../outbox/worker.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { openStore } from "../store/open-store.ts";
import { lateFirings } from "../timers/late-firings.ts";
import { startTimerClock } from "../timers/timer-clock.ts";
import { httpUrl, oneOf, wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";
import {
  METRICS_ACCESS,
  type MetricsFlag,
  observedConnectors,
  serviceMetrics,
  webhookConnector,
  webhookSecrets,
} from "./serve-integrations.ts";
import { serveLinks, trustService } from "./trust-setup.ts";

interface ServeFlags {
  readonly playbooks: string;
  readonly db?: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly keys?: string;
  readonly webhook?: string;
  readonly webhookSecretsFile?: string;
  readonly publicUrl?: string;
  readonly metrics: MetricsFlag;
  readonly logLevel: LogLevel;
}

/** `assent serve`: the HTTP API, the delivery worker and the clock that runs deferrals. */
export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "serve the HTTP API on the SQLite default (or --db), with the delivery worker, deferred decisions and durable timers running",
    )
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .option("--host <host>", "address to listen on", process.env.ASSENT_HOST ?? "127.0.0.1")
    .option(
      "--port <n>",
      "port",
      wholeNumber("--port", 0, 65_535),
      Number(process.env.ASSENT_PORT ?? 3000),
    )
    .option("--data-dir <dir>", "where API keys and the local outbox file live", ".assent")
    .option(
      "--keys <file>",
      "API keys file (default: DATA_DIR/api-keys.yaml, created on first start)",
    )
    .option(
      "--webhook <url>",
      "also deliver acted decisions to this URL (or ASSENT_WEBHOOK_URL)",
      httpUrl("--webhook"),
      process.env.ASSENT_WEBHOOK_URL,
    )
    .option(
      "--webhook-secrets-file <file>",
      "Standard Webhooks secrets (whsec_…), one per line, all signing (or ASSENT_WEBHOOK_SECRETS)",
    )
    .option(
      "--public-url <url>",
      "where subjects reach this service: preference centre and List-Unsubscribe links (or ASSENT_PUBLIC_URL)",
      httpUrl("--public-url"),
      process.env.ASSENT_PUBLIC_URL,
    )
    .option(
      "--metrics <access>",
      "GET /metrics for Prometheus: key (scope metrics), open, or off",
      oneOf("--metrics", METRICS_ACCESS),
      "key",
    )
    .option(
      "--log-level <level>",
      "trace, debug, info, warn, error",
      oneOf("--log-level", ["trace", "debug", "info", "warn", "error"] as const),
      "info",
    )
    .action((flags: ServeFlags) => reportAppError(() => serve(flags)));
}

async function serve(flags: ServeFlags): Promise<void> {
  const logger = createLogger({ level: flags.logLevel });
  const deployment = loadDeploymentFromDir(flags.playbooks);
  const tracing = tracingFromEnv();
  const store = await openStore(flags.db);
  const keyFile = resolve(flags.keys ?? join(flags.dataDir, "api-keys.yaml"));
  const { keys, created } = loadOrCreateApiKeys(keyFile);
  const metrics = serviceMetrics(flags.metrics, store, Date.now);
  const connectors = observedConnectors(await openConnectors(flags, logger), metrics);
  const targets = [...connectors.keys()].map((connector) => ({ connector, recipient: connector }));
  const unsubscribe = serveLinks(flags, store, logger);
  const options = { store, deployment, clock: Date.now, targets, logger, unsubscribe, tracing };
  const core = createApp(options);
  const app = metrics === undefined ? core : observeApp(core, metrics, deployment);
  const metricsAccess = flags.metrics === "open" ? "open" : "key";
  const trust = trustService(unsubscribe, { app, store, deployment, targets, logger });
  const server = createHttpServer({ app, config: { keys, metricsAccess }, logger, metrics, trust });
  const worker = createDeliveryWorker({
    store,
    connectors,
    clock: Date.now,
    batch: 50,
    leaseMs: 60_000,
    backoff: { baseMs: 1_000, capMs: 300_000, maxAttempts: 10 },
    tracing: { tracing, decisionSpan: decisionSpanIn(store) },
    // Consent is asked again just before each attempt: a withdrawal always wins.
    recheck: (delivery) => core.recheckDelivery(delivery),
  });
  // Timers fire at their exact instant; deferrals and review expiry at least every second.
  const ticker = startTimerClock({
    tick: async (now) => logLateFirings(logger, (await app.tick(now)).decisions),
    nextDue: () => store.nextTimerDue(),
    clock: Date.now,
    pollMs: 1_000,
    onError: (error: unknown) =>
      logger.error(
        { errorName: error instanceof Error ? error.name : typeof error },
        "tick failed",
      ),
  });
  worker.start();
  const address = await server.listen({ host: flags.host, port: flags.port });
  announce(address, store.location, keyFile, created, keys[0]?.secret, deployment.playbooks.length);
  await untilSignal();
  await ticker.stop();
  await worker.stop();
  await server.close();
  await tracing.shutdown();
  await store.close();
}

async function openConnectors(flags: ServeFlags, logger: Logger): Promise<Map<string, Connector>> {
  const connectors = new Map<string, Connector>();
  const file = await openFileConnector({ path: resolve(flags.dataDir, "outbox.jsonl") });
  connectors.set(file.name, file);
  if (flags.webhook !== undefined) {
    const secrets = webhookSecrets(flags);
    if (secrets.length === 0)
      logger.warn({}, "webhook deliveries are unsigned: set ASSENT_WEBHOOK_SECRETS");
    const webhook = webhookConnector(flags.webhook, secrets, Date.now);
    connectors.set(webhook.name, webhook);
  }
  return connectors;
}

function announce(
  address: string,
  location: string,
  keyFile: string,
  created: boolean,
  secret: string | undefined,
  playbooks: number,
): void {
  const key = created && secret !== undefined ? `\n  new admin API key:  ${secret}` : "";
  process.stdout.write(
    `Assent is serving on ${address} (${playbooks} playbooks)\n` +
      `  data:   ${location}\n  keys:   ${keyFile}${key}\n  try:    curl ${address}/healthz\n`,
  );
}

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
}

/** One log line per tick in which timers fired late (after a restart, say): counts only. */
function logLateFirings(logger: Logger, decisions: Parameters<typeof lateFirings>[0]): void {
  const late = lateFirings(decisions);
  if (late !== undefined) logger.warn(late, "timers fired late");
}
