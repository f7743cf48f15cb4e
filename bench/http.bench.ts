/**
 * HTTP benchmark: POST /v1/decide (dry run) on the real server, app and SQLite store, against a
 * bare fastify route answering the same JSON, both on loopback and driven by autocannon from a
 * worker thread: first at the highest rate each sustains (req/s, p99), then at a fixed rate (p99,
 * and the server thread's own CPU time per request, a figure the load generator sharing the
 * machine's two cores does not move as it moves the highest rates). Run with `npm run bench`; knobs BENCH_HTTP_SECONDS,
 * BENCH_HTTP_WARMUP, BENCH_HTTP_CONNECTIONS, BENCH_HTTP_RATE, BENCH_HTTP_SUBJECTS,
 * BENCH_HTTP_INGEST (events/s ingested while deciding).
 *
 * The requests cycle through the events of many subjects. Decide is run twice: read-only, when
 * the store may answer a subject's reads from memory (nothing commits, so nothing is stale), and
 * while the app ingests events, as a live service does: each commit makes the store forget what
 * it read of the subjects it touched, and the events ingested are those same subjects' latest,
 * so decides keep reading subjects afresh. The targets are judged on the second.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
/** Events per second the app ingests (each its own commit) during the "while ingesting" runs. */
const INGEST_RATE = envNumber("BENCH_HTTP_INGEST", 100);
/** Distinct subjects the decide requests cycle through. */
const DECIDE_SUBJECTS = 50;

/** What autocannon sends: one valid decide request, the same every time. */
interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Request bodies, sent in turn by every connection. */
  readonly bodies: readonly string[];
}

/** Req/s and latency of one autocannon run. */
interface Load {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** The server thread's CPU microseconds per request answered, where Linux tells it. */
  readonly cpuPerRequest?: number;
}

/**
 * This process's main thread (the server's) CPU time in microseconds, from Linux's per-thread
 * accounting (clock ticks of 10 ms): the load generator's worker thread is not in it, so unlike
 * the process's CPU time it is the server's cost alone. Undefined off Linux.
 */
function serverThreadCpuMicros(): number | undefined {
  const stat = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
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
 * For each of up to `count` subjects, their most recent simulated event that a playbook decides
 * on, re-dated to now: a dry run of it reads the subject's stored profile, ledger and sends, and
 * answers at least one decision.
 */
async function decidingEvents(
  app: App,
  events: readonly EventInput[],
  count: number,
): Promise<EventInput[]> {
  const occurredAt = new Date().toISOString();
  const chosen = new Map<string, EventInput>();
  for (const event of events) {
    if (chosen.size >= count) break;
    if (chosen.has(event.subjectId)) continue;
    const current = { ...event, id: `bench-${event.id}`, occurredAt };
    if ((await app.dryRun(current)).length > 0) chosen.set(event.subjectId, current);
  }
  if (chosen.size === 0) {
    throw new Error("no simulated event gives a decision; the benchmark would time empty answers");
  }
  return [...chosen.values()];
}

/**
 * Ingests `perSecond` events (each stored, decided and committed on its own), re-dated to now
 * with new ids, until stopped; stopping waits for the last one and throws if any failed.
 */
function startIngest(app: App, events: readonly EventInput[], perSecond: number) {
  let sent = 0;
  let pending: Promise<unknown> = Promise.resolve();
  let failure: unknown;
  const timer = setInterval(() => {
    const event = events[sent % events.length] as EventInput;
    sent += 1;
    const fresh = {
      ...event,
      id: `ingest-${sent}-${event.id}`,
      occurredAt: new Date().toISOString(),
    };
    pending = app.ingest([fresh]).catch((error: unknown) => {
      failure ??= error;
    });
  }, 1000 / perSecond);
  return async (): Promise<number> => {
    clearInterval(timer);
    await pending;
    if (failure !== undefined) throw failure;
    return sent;
  };
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
  const cpuBefore = serverThreadCpuMicros();
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    requests: target.bodies.map((body) => ({ method: "POST" as const, body })),
    connections: CONNECTIONS,
    duration: seconds,
    overallRate,
    ignoreCoordinatedOmission: overallRate !== undefined,
    workers: 1,
  });
  refuseFailures(target.url, result);
  const cpuAfter = serverThreadCpuMicros();
  const perSecond = result.requests.total / result.duration;
  const cpuPerRequest =
    cpuBefore === undefined || cpuAfter === undefined
      ? undefined
      : (cpuAfter - cpuBefore) / result.requests.total;
  return { perSecond, p50: result.latency.p50, p99: result.latency.p99, cpuPerRequest };
}

/** A run with refused or failed requests measured something else than decisions. */
function refuseFailures(url: string, result: Result): void {
  if (result.non2xx === 0 && result.errors === 0) return;
  throw new Error(
    `${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} timeouts)`,
  );
}

async function measure(
  decide: Target,
  bare: Target,
  ingesting: <T>(run: () => Promise<T>) => Promise<T>,
) {
  await drive(decide, WARMUP);
  await drive(bare, WARMUP);
  const decideReadOnly = await drive(decide, SECONDS);
  const decideMax = await ingesting(() => drive(decide, SECONDS));
  const bareMax = await drive(bare, SECONDS);
  const decideFixed = await ingesting(() => drive(decide, SECONDS, RATE));
  const bareFixed = await drive(bare, SECONDS, RATE);
  const decideFixedReadOnly = await drive(decide, SECONDS, RATE);
  return { decideReadOnly, decideMax, bareMax, decideFixed, bareFixed, decideFixedReadOnly };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "assent-bench-http-"));
  const store = await openStore(join(dir, "http.db"));
  const deployment = loadDeploymentFromDir("examples");
  const app = createApp({ store, deployment, clock: Date.now });
  const closers: (() => Promise<unknown>)[] = [() => store.close()];
  try {
    process.stdout.write(`http: seeding SQLite with ${SUBJECTS} SaaS subjects × 30 days…\n`);
    const seeded = await seed(app, dir);
    const events = await decidingEvents(app, seeded, DECIDE_SUBJECTS);

    // Production settings: one info line per request, written (here to /dev/null) as `assent
    // serve` writes its standard output: asynchronously, many lines a write under load.
    const sink = destination({ dest: "/dev/null", sync: false });
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
    const bodies = events.map((event) => JSON.stringify(event));
    const answer = await firstAnswer(decideUrl, headers, bodies[0] ?? "");
    const bare = await bareRoute(answer);
    closers.unshift(() => bare.server.close());

    process.stdout.write(
      `http: dry runs of ${events.length} subjects' events (the first: ${answerSize(answer)}), ${SECONDS} s per run after ${WARMUP} s warm-up, ${CONNECTIONS} connections; ingesting ${INGEST_RATE} events/s during the runs marked so\n`,
    );
    const ingesting = async <T>(run: () => Promise<T>): Promise<T> => {
      const stop = startIngest(app, seeded, INGEST_RATE);
      try {
        return await run();
      } finally {
        await stop();
      }
    };
    const decide = { url: decideUrl, headers, bodies };
    const bareTarget = { url: `${bare.url}/v1/decide`, headers, bodies };
    report(await measure(decide, bareTarget, ingesting));
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
  const { decideReadOnly, decideMax, bareMax, decideFixed, bareFixed } = figures;
  const decideCpu = figures.decideFixedReadOnly.cpuPerRequest;
  const bareCpu = bareFixed.cpuPerRequest;
  const ratio = decideMax.perSecond / bareMax.perSecond;
  const readOnlyRatio = decideReadOnly.perSecond / bareMax.perSecond;
  const latency = (load: Load) => `p50 ${load.p50} ms, p99 ${load.p99} ms`;
  const rate = (load: Load) => `${format(load.perSecond)} req/s`;
  printBlock([
    [
      "decide, read-only",
      `${rate(decideReadOnly)}, ${latency(decideReadOnly)} (${readOnlyRatio.toFixed(2)}× bare)`,
    ],
    ["decide, ingesting", `${rate(decideMax)}, ${latency(decideMax)}`],
    ["bare fastify (max)", `${rate(bareMax)}, ${latency(bareMax)}`],
    ["ratio", `${ratio.toFixed(2)}× the bare route (decide while ingesting)`],
    [
      `decide at ${format(RATE)}/s`,
      `${latency(decideFixed)} (achieved ${rate(decideFixed)}, ingesting)`,
    ],
    [`bare at ${format(RATE)}/s`, `${latency(bareFixed)} (achieved ${rate(bareFixed)})`],
    [
      "server CPU/request",
      decideCpu === undefined || bareCpu === undefined
        ? "not measured (needs Linux's /proc)"
        : `decide ${decideCpu.toFixed(1)} µs (read-only), bare ${bareCpu.toFixed(1)} µs, at ${format(RATE)}/s: the server thread alone, so ${(bareCpu / decideCpu).toFixed(2)}× is the ratio the load generator cannot blur`,
    ],
    [
      "targets",
      `≥ 0.5× bare: ${verdict(ratio >= 0.5)}; p99 ≤ 10 ms at ${format(RATE)}/s: ${verdict(decideFixed.p99 <= 10 && decideFixed.perSecond >= RATE * 0.95)}`,
    ],
  ]);
}

await main();
