/**
 * Segment benchmark: batch ingest through `POST /segment/v1/batch` (Segment calls mapped by the
 * catalog's segment: rules) against the same events sent natively to `POST /v1/events`, on one
 * server, app and SQLite store, in the same run. Rounds alternate the two paths so that both
 * meet the same store size; every request carries fresh ids, so nothing is a duplicate. Target:
 * Segment ≥ 0.7× native events/s. Knobs BENCH_SEGMENT_ROUNDS, BENCH_SEGMENT_BATCHES (per round
 * and path), BENCH_SEGMENT_CALLS (per batch), BENCH_SEGMENT_CONCURRENCY.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destination } from "pino";
import { createApp } from "../src/app/app.ts";
import type { ApiKey } from "../src/http/http-config.ts";
import { SEGMENT_PREFIX } from "../src/http/segment-routes.ts";
import { createHttpServer } from "../src/http/server.ts";
import { createLogger } from "../src/observability/logger.ts";
import { loadDeploymentFromDir } from "../src/playbook/loader.ts";
import { openStore } from "../src/store/open-store.ts";
import { envNumber, format, printBlock, verdict } from "./support.ts";

const ROUNDS = envNumber("BENCH_SEGMENT_ROUNDS", 6);
const BATCHES = envNumber("BENCH_SEGMENT_BATCHES", 20);
const CALLS = envNumber("BENCH_SEGMENT_CALLS", 100);
const CONCURRENCY = envNumber("BENCH_SEGMENT_CONCURRENCY", 4);

/** One request: its path, headers and body. */
interface Request {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type Path = "native" | "segment";

/**
 * A batch of `CALLS` items for `CALLS / 2` subjects: each subject's traits (plan, ARR,
 * country) and one completed order. Both paths carry the same facts and set the same
 * attributes through the same event types (subject.synced, order.placed).
 */
function batchBody(path: Path, tag: string, occurredAt: string): string {
  const items: unknown[] = [];
  for (let index = 0; index < CALLS / 2; index++) {
    const subjectId = `bench-${tag}-${index}`;
    items.push(...(path === "native" ? nativePair : segmentPair)(subjectId, occurredAt));
  }
  return JSON.stringify(path === "native" ? { events: items } : { batch: items });
}

function nativePair(subjectId: string, occurredAt: string): unknown[] {
  const common = { subjectId, occurredAt, source: "segment" };
  return [
    {
      ...common,
      id: `${subjectId}-i`,
      type: "subject.synced",
      data: { "account.plan": "team", "account.arr": 42_000, "subject.country": "NL" },
    },
    {
      ...common,
      id: `${subjectId}-t`,
      type: "order.placed",
      data: { "order.amount": 59.9, "loyalty.points": 120 },
    },
  ];
}

function segmentPair(subjectId: string, timestamp: string): unknown[] {
  const context = { library: { name: "@segment/analytics-node", version: "3.1.0" } };
  return [
    {
      type: "identify",
      messageId: `${subjectId}-i`,
      userId: subjectId,
      timestamp,
      context,
      traits: { plan: "team", arr: 42_000, address: { country: "NL" } },
    },
    {
      type: "track",
      messageId: `${subjectId}-t`,
      userId: subjectId,
      timestamp,
      context,
      event: "Order Completed",
      properties: { total: 59.9, loyalty_points: 120 },
    },
  ];
}

/**
 * Every item must have been stored: an ignored or duplicate item costs less than an ingested
 * one, and the run would time something else than ingest.
 */
function refuseUnaccepted(path: string, answer: unknown): void {
  const outcomes = Array.isArray(answer)
    ? answer
    : typeof answer === "object" && answer !== null && "results" in answer
      ? answer.results
      : undefined;
  const statuses = Array.isArray(outcomes) ? outcomes.map((outcome) => outcome?.status) : [];
  if (statuses.length === CALLS && statuses.every((status) => status === "accepted")) return;
  throw new Error(`${path}: not every item was accepted (${statuses.join(", ")})`);
}

/** Sends the requests `CONCURRENCY` at a time; returns the seconds it took. */
async function sendAll(base: string, requests: readonly Request[]): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      if (request === undefined) return;
      const response = await fetch(`${base}${request.path}`, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${request.path}: ${response.status} ${text}`);
      refuseUnaccepted(request.path, JSON.parse(text));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function requestsOf(path: Path, round: string, key: ApiKey): Request[] {
  const occurredAt = new Date().toISOString();
  const headers =
    path === "native"
      ? { "content-type": "application/json", authorization: `Bearer ${key.secret}` }
      : {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`${key.secret}:`).toString("base64")}`,
        };
  const url = path === "native" ? "/v1/events" : `${SEGMENT_PREFIX}/batch`;
  return Array.from({ length: BATCHES }, (_, batch) => ({
    path: url,
    headers,
    body: batchBody(path, `${path}-${round}-${batch}`, occurredAt),
  }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "assent-bench-segment-"));
  const store = await openStore(join(dir, "segment.db"));
  const app = createApp({ store, deployment: loadDeploymentFromDir("examples"), clock: Date.now });
  const sink = destination({ dest: "/dev/null", sync: false });
  const logger = createLogger({ level: "info", destination: sink });
  const key: ApiKey = {
    id: "bench",
    secret: randomBytes(32).toString("base64url"),
    scopes: ["ingest"],
  };
  const server = createHttpServer({ app, config: { keys: [key] }, logger });
  try {
    const base = await server.listen({ host: "127.0.0.1", port: 0 });
    process.stdout.write(
      `segment: ${ROUNDS} rounds × ${BATCHES} batches × ${CALLS} calls per path, ${CONCURRENCY} concurrent requests, SQLite\n`,
    );
    await sendAll(base, requestsOf("native", "warm", key));
    await sendAll(base, requestsOf("segment", "warm", key));
    const seconds = { native: 0, segment: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Path[] = round % 2 === 0 ? ["native", "segment"] : ["segment", "native"];
      for (const path of order)
        seconds[path] += await sendAll(base, requestsOf(path, `${round}`, key));
    }
    report(seconds);
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(seconds: Readonly<Record<Path, number>>): void {
  const events = ROUNDS * BATCHES * CALLS;
  const native = events / seconds.native;
  const segment = events / seconds.segment;
  const ratio = segment / native;
  printBlock([
    ["native batch ingest", `${format(native)} events/s (${format(events)} events)`],
    ["Segment batch ingest", `${format(segment)} calls/s (${format(events)} calls)`],
    ["ratio", `${ratio.toFixed(2)}× native`],
    ["target", `Segment ≥ 0.7× native: ${verdict(ratio >= 0.7)}`],
  ]);
}

await main();
