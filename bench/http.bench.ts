/**
 * HTTP benchmark: POST /v1/decide (dry run) on the real server, app and SQLite store, against a
 * bare fastify route answering the same JSON, both on loopback and driven by autocannon from a
 * worker thread: first at the highest rate each sustains (req/s, p99), then at a fixed rate
 * (p99, corrected for coordinated omission). Run with `npm run bench`; knobs BENCH_HTTP_SECONDS,
 * BENCH_HTTP_WARMUP, BENCH_HTTP_CONNECTIONS, BENCH_HTTP_RATE, BENCH_HTTP_SUBJECTS.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon, { type Result } from "autocannon";
import fastify, { type FastifyInstance } from "fastify";
import { destination } from "pino";
import { type App, createApp } from "../src/app/app.ts";
import type { ApiKey } from "../src/http/http-config.ts";
import { createHttpServer } from "../src/http/server.ts";
import type { EventInput } from "../src/ingest/input-schema.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { loadDeploymentFromDir } from "../src/playbook/loader.ts";
import { replayDurably } from "../src/replay/durable-replay.ts";
import { readReplayFile } from "../src/replay/replay-file.ts";
import { openStore } from "../src/store/open-store.ts";
import { envNumber, format, printBlock, verdict, writeSaasReplay } from "./support.ts";

const SECONDS = envNumber("BENCH_HTTP_SECONDS", 5);
const WARMUP = envNumber("BENCH_HTTP_WARMUP", 2);
const CONNECTIONS = envNumber("BENCH_HTTP_CONNECTIONS", 10);
const RATE = envNumber("BENCH_HTTP_RATE", 2000);
/** Subjects replayed into the store first, so that a decision reads a real profile and ledger. */
const SUBJECTS = envNumber("BENCH_HTTP_SUBJECTS", 200);

/** What autocannon sends: one valid decide request, the same every time. */
interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Req/s and latency of one autocannon run. */
interface Load {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Fills the store with a simulated SaaS month; returns the stream's events, last first. */
async function seed(app: App, dir: string): Promise<EventInput[]> {
  const deployment = loadDeploymentFromDir("examples");
  const file = join(dir, "seed.ndjson");
  await writeSaasReplay(file, SUBJECTS, 30);
  await replayDurably(app, deployment.catalog, file, { groupSize: 500 });
  const events: EventInput[] = [];
  for await (const line of readReplayFile(file)) if (line.kind === "event") events.push(line.event);
  return events.reverse();
}

/**
 * The most recent simulated event that a playbook decides on, re-dated to now: a dry run of
 * it reads the subject's stored profile, ledger and sends, and answers at least one decision.
 */
async function decidingEvent(app: App, events: readonly EventInput[]): Promise<EventInput> {
  const occurredAt = new Date().toISOString();
  for (const event of events) {
    const current = { ...event, id: `bench-${event.id}`, occurredAt };
    if ((await app.dryRun(current)).length > 0) return current;
  }
  throw new Error("no simulated event gives a decision; the benchmark would time an empty answer");
}

/** A fastify route with nothing behind it, answering `answer` to every POST /v1/decide. */
async function bareRoute(answer: unknown): Promise<{ server: FastifyInstance; url: string }> {
  const server = fastify();
  server.post("/v1/decide", async () => answer);
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, url };
}

/**
 * One autocannon run from a worker thread, so that the load does not share the server's loop.
 *
 * At a fixed rate, autocannon gives each connection its quota at the start of every second and
 * it is spent back to back, so the load comes in bursts: the p99 is pessimistic against a smooth
 * arrival rate. Its coordinated-omission correction is off because autocannon 8 assumes a 1 ms
 * interval between a connection's requests (`Math.ceil(1 / rate)`), which adds phantom samples
 * to every response slower than 1 ms.
 */
async function drive(target: Target, seconds: number, overallRate?: number): Promise<Load> {
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: target.body,
    connections: CONNECTIONS,
    duration: seconds,
    overallRate,
    ignoreCoordinatedOmission: overallRate !== undefined,
    workers: 1,
  });
  refuseFailures(target.url, result);
  const perSecond = result.requests.total / result.duration;
  return { perSecond, p50: result.latency.p50, p99: result.latency.p99 };
}

/** A run with refused or failed requests measured something else than decisions. */
function refuseFailures(url: string, result: Result): void {
  if (result.non2xx === 0 && result.errors === 0) return;
  throw new Error(
    `${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} timeouts)`,
  );
}

async function measure(decide: Target, bare: Target) {
  await drive(decide, WARMUP);
  await drive(bare, WARMUP);
  const decideMax = await drive(decide, SECONDS);
  const bareMax = await drive(bare, SECONDS);
  const decideFixed = await drive(decide, SECONDS, RATE);
  const bareFixed = await drive(bare, SECONDS, RATE);
  return { decideMax, bareMax, decideFixed, bareFixed };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "assent-bench-http-"));
  const store = await openStore(join(dir, "http.db"));
  const deployment = loadDeploymentFromDir("examples");
  const app = createApp({ store, deployment, clock: Date.now });
  const closers: (() => Promise<unknown>)[] = [() => store.close()];
  try {
    process.stdout.write(`http: seeding SQLite with ${SUBJECTS} SaaS subjects × 30 days…\n`);
    const event = await decidingEvent(app, await seed(app, dir));

    // Production settings: one info line per request, written (here to /dev/null) synchronously.
    const sink = destination({ dest: "/dev/null", sync: true });
    const logger = createLogger({ level: "info", destination: sink });
    const key: ApiKey = {
      id: "bench",
      secret: randomBytes(32).toString("base64url"),
      scopes: ["decide"],
    };
    // Production settings: metrics on, as `assent serve` has them.
    const metrics = createMetrics();
    const server = createHttpServer({ app, config: { keys: [key] }, logger, metrics });
    closers.unshift(() => server.close());
    const decideUrl = `${await server.listen({ host: "127.0.0.1", port: 0 })}/v1/decide`;

    const headers = { "content-type": "application/json", authorization: `Bearer ${key.secret}` };
    const body = JSON.stringify(event);
    const answer = await firstAnswer(decideUrl, headers, body);
    const bare = await bareRoute(answer);
    closers.unshift(() => bare.server.close());

    process.stdout.write(
      `http: ${event.type} dry run (${answerSize(answer)}), ${SECONDS} s per run after ${WARMUP} s warm-up, ${CONNECTIONS} connections\n`,
    );
    const decide = { url: decideUrl, headers, body };
    const figures = await measure(decide, { url: `${bare.url}/v1/decide`, headers, body });
    report(figures);
  } finally {
    for (const close of closers) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The decide answer for `body`, which the bare route will repeat byte for byte. */
async function firstAnswer(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, { method: "POST", headers, body });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const answer: unknown = await response.json();
  return answer;
}

function answerSize(answer: unknown): string {
  const count = Array.isArray(answer) ? answer.length : 0;
  return `${count} decision(s), ${format(JSON.stringify(answer).length)} bytes of JSON`;
}

function report(figures: Awaited<ReturnType<typeof measure>>): void {
  const { decideMax, bareMax, decideFixed, bareFixed } = figures;
  const ratio = decideMax.perSecond / bareMax.perSecond;
  const latency = (load: Load) => `p50 ${load.p50} ms, p99 ${load.p99} ms`;
  const rate = (load: Load) => `${format(load.perSecond)} req/s`;
  printBlock([
    ["HTTP decide (max)", `${rate(decideMax)}, ${latency(decideMax)}`],
    ["bare fastify (max)", `${rate(bareMax)}, ${latency(bareMax)}`],
    ["ratio", `${ratio.toFixed(2)}× the bare route`],
    [`decide at ${format(RATE)}/s`, `${latency(decideFixed)} (achieved ${rate(decideFixed)})`],
    [`bare at ${format(RATE)}/s`, `${latency(bareFixed)} (achieved ${rate(bareFixed)})`],
    [
      "targets",
      `≥ 0.5× bare: ${verdict(ratio >= 0.5)}; p99 ≤ 10 ms at ${format(RATE)}/s: ${verdict(decideFixed.p99 <= 10 && decideFixed.perSecond >= RATE * 0.95)}`,
    ],
  ]);
}

await main();
