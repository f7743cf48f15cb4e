import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
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
import { MASTER_KEY_ENV } from "../privacy/master-key.ts";
import { DEFAULT_SQLITE_PATH, openStore, storeTarget } from "../store/open-store.ts";
import { holdServeLock } from "../store/serve-lock.ts";
import { lateFirings } from "../timers/late-firings.ts";
import { startTimerClock } from "../timers/timer-clock.ts";
import { LINK_SECRET_ENV } from "../trust/link-secret.ts";
import { httpUrl, oneOf, wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";
import {
  METRICS_ACCESS,
  type MetricsFlag,
  observedConnectors,
  serviceMetrics,
  WEBHOOK_SECRETS_ENV,
  webhookConnector,
  webhookSecrets,
} from "./serve-integrations.ts";
import {
  PUBLIC_URL_ENV,
  serveLinks,
  trustService,
  UNSUBSCRIBE_MAILBOX_ENV,
} from "./trust-setup.ts";

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
    .addOption(
      new Option("--db <url>", "SQLite file or postgres:// URL")
        .env("ASSENT_DATABASE_URL")
        .default(DEFAULT_SQLITE_PATH),
    )
    .addOption(
      new Option("--host <host>", "address to listen on")
        .env("ASSENT_HOST")
        .argParser(listenAddress)
        .default("127.0.0.1"),
    )
    .addOption(
      new Option("--port <n>", "port")
        .env("ASSENT_PORT")
        .argParser(wholeNumber("--port", 0, 65_535))
        .default(3000),
    )
    .option("--data-dir <dir>", "where API keys and the local outbox file live", ".assent")
    .option(
      "--keys <file>",
      "API keys file (default: DATA_DIR/api-keys.yaml, created on first start)",
    )
    .addOption(
      new Option("--webhook <url>", "also deliver acted decisions to this URL")
        .env("ASSENT_WEBHOOK_URL")
        .argParser(httpUrl("--webhook")),
    )
    .option(
      "--webhook-secrets-file <file>",
      `Standard Webhooks secrets (whsec_…), one per line, all signing (or ${WEBHOOK_SECRETS_ENV})`,
    )
    .addOption(
      new Option(
        "--public-url <url>",
        "where subjects reach this service: preference centre and List-Unsubscribe links",
      )
        .env(PUBLIC_URL_ENV)
        .argParser(httpUrl("--public-url")),
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
    .addHelpText("after", ENVIRONMENT_HELP)
    .action((flags: ServeFlags) => reportAppError(() => serve(flags)));
}

/**
 * Every variable `serve` reads, as README's configuration table lists them. Values are never
 * shown: a webhook URL or a database URL may hold a credential.
 */
const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ["ASSENT_DATABASE_URL", "the database, as --db"],
  ["ASSENT_HOST, ASSENT_PORT", "the address to listen on, as --host and --port"],
  ["ASSENT_WEBHOOK_URL", "the webhook, as --webhook"],
  [
    WEBHOOK_SECRETS_ENV,
    "webhook signing secrets (whsec_…), separated by\nspaces or commas; --webhook-secrets-file wins",
  ],
  [PUBLIC_URL_ENV, "where subjects reach this service, as --public-url"],
  [
    LINK_SECRET_ENV,
    "signs preference and unsubscribe links: required\non PostgreSQL, else made in DATA_DIR/link-secret",
  ],
  [
    UNSUBSCRIBE_MAILBOX_ENV,
    "the List-Unsubscribe mailto address (default:\nunsubscribe@ the public URL's host)",
  ],
  [
    MASTER_KEY_ENV,
    "the master key that seals personal data (default:\nthe key file master.key beside the SQLite file,\nmade on first write: for development only)",
  ],
  [
    "OTEL_*",
    "OpenTelemetry tracing, off unless set:\nOTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER,\nOTEL_SERVICE_NAME, … (README: Tracing)",
  ],
  ["ASSENT_DEBUG=1", "stack traces on errors"],
];

const ENVIRONMENT_HELP =
  helpSection("Environment (a flag wins over its variable)", ENVIRONMENT) +
  "API keys have no variable: they are read from the --keys file only.\n";

/** A help section of names and meanings; a meaning's line breaks keep its column. */
function helpSection(title: string, entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length)) + 2;
  const indent = `\n  ${" ".repeat(width)}`;
  const lines = entries.map(
    ([name, meaning]) => `  ${name.padEnd(width)}${meaning.replaceAll("\n", indent)}`,
  );
  return `\n${title}:\n${lines.join("\n")}\n`;
}

/**
 * An empty address would make the server listen on every interface: refused, never taken as
 * "all" (a variable set to nothing by mistake must not expose the API).
 */
function listenAddress(value: string): string {
  if (value.trim() === "") {
    throw new InvalidArgumentError(
      "--host must be an address such as 127.0.0.1 (or 0.0.0.0 for every interface), not empty",
    );
  }
  return value;
}

/** Serves while holding the database's serve lock: no replay writes to it meanwhile. */
async function serve(flags: ServeFlags): Promise<void> {
  const lock = await holdServeLock(storeTarget(flags.db), "serve");
  try {
    await serveLocked(flags);
  } finally {
    await lock.release();
  }
}

async function serveLocked(flags: ServeFlags): Promise<void> {
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
      logger.warn({}, `webhook deliveries are unsigned: set ${WEBHOOK_SECRETS_ENV}`);
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
