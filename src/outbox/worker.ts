import type { Instant } from "../engine/types.ts";
import type { SpanIds, TraceSpan, Tracing } from "../observability/tracing.ts";
import type { Delivery, DeliveryAttempt, Store } from "../store/store.ts";
import { type BackoffPolicy, backoffDelay, checkBackoff } from "./backoff.ts";
import type { Connector, DeliveryResult } from "./connector.ts";

/** The part of the store the worker uses; any `Store` is one. */
export type OutboxStore = Pick<Store, "claimDeliveries" | "recordAttempt">;

/** Fields of a log line: ids and codes only, never a recipient, payload or response body. */
export type LogFields = Readonly<Record<string, string | number>>;

/** The four methods the worker logs with; a pino logger is one. */
export interface OutboxLogger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

export interface DeliveryWorkerOptions {
  readonly store: OutboxStore;
  /** By `Connector.name`; a delivery naming any other connector fails as `unknown_connector`. */
  readonly connectors: ReadonlyMap<string, Connector>;
  readonly clock: () => Instant;
  readonly logger?: OutboxLogger;
  /** Deliveries claimed, and attempted concurrently, per run. */
  readonly batch: number;
  /**
   * How long a claim keeps other workers off a delivery. A batch that outlives its lease may be
   * claimed again and sent twice (the peer drops the repeat by its idempotency key), so keep
   * connector timeouts well below it.
   */
  readonly leaseMs: number;
  readonly backoff: BackoffPolicy;
  /** In [0, 1) for the jitter; `Math.random` unless given. */
  readonly random?: () => number;
  /** How long `start()` waits when nothing was due; 1000 unless given. */
  readonly pollMs?: number;
  /**
   * Asked just before each attempt (defence in depth): false means the delivery must not go out
   * (consent was withdrawn or the subject erased since it was queued), and the check has
   * already cancelled it and logged why. A check that fails sends nothing; the lease runs out
   * and the delivery is checked again on a later run.
   */
  readonly recheck?: (delivery: Delivery) => Promise<boolean>;
  /** When given, each attempt is a span in the trace of the decision it delivers. */
  readonly tracing?: DeliveryTracing;
}

/** How deliveries join their decision's trace, which was recorded when the decision was. */
export interface DeliveryTracing {
  readonly tracing: Tracing;
  /** The decision's span (from the decision log), the parent of its deliveries' spans. */
  decisionSpan(decisionId: string): Promise<SpanIds | undefined>;
}

/**
 * Finds a decision's span in the decision log: the trace and span ids recorded with it.
 *
 * @example
 * createDeliveryWorker({ ...options, tracing: { tracing, decisionSpan: decisionSpanIn(store) } });
 */
export function decisionSpanIn(store: Pick<Store, "getDecision">) {
  return async (decisionId: string): Promise<SpanIds | undefined> => {
    const stored = await store.getDecision(decisionId);
    const { traceId, spanId } = stored ?? {};
    return traceId === undefined || spanId === undefined ? undefined : { traceId, spanId };
  };
}

/** What one run did: attempts recorded as delivered, as to be retried, and as failed for good. */
export interface RunSummary {
  readonly delivered: number;
  readonly retried: number;
  readonly failed: number;
}

export interface DeliveryWorker {
  /** Claims the due deliveries (up to `batch`), attempts each, and records each on its own. */
  runOnce(): Promise<RunSummary>;
  /** Runs until `stop()`: again at once after a full batch, after `pollMs` otherwise. */
  start(): void;
  /** Stops polling and resolves once the batch in flight is recorded. */
  stop(): Promise<void>;
}

type Tally = "delivered" | "retried" | "failed" | "cancelled" | "unrecorded";

const silent: OutboxLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The outbox worker: delivers at least once, records each recipient's attempt on its own (so one
 * recipient's rejection never resends to the others), retries transient failures with backoff
 * until `maxAttempts`, never retries permanent ones. What was recorded as delivered is never
 * claimed again, so a restarted worker, or a second one on the same store, does not resend it.
 *
 * @example
 * const worker = createDeliveryWorker({
 *   store, connectors: new Map([[webhook.name, webhook]]), clock: Date.now,
 *   batch: 50, leaseMs: 60_000, backoff: { baseMs: 1000, capMs: 3_600_000, maxAttempts: 12 },
 * });
 * worker.start(); // … await worker.stop() on shutdown
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  checkOptions(options);
  const run = runner(options);
  const loop = poller(run, options);
  return {
    runOnce: async () => summarise((await run()).tallies),
    start: loop.start,
    stop: loop.stop,
  };
}

function checkOptions(options: DeliveryWorkerOptions): void {
  checkBackoff(options.backoff);
  if (!Number.isInteger(options.batch) || options.batch < 1) {
    throw new RangeError("batch must be an integer of at least 1");
  }
  if (!Number.isInteger(options.leaseMs) || options.leaseMs < 1) {
    throw new RangeError("leaseMs must be an integer of at least 1");
  }
}

interface BatchRun {
  readonly claimed: number;
  readonly tallies: readonly Tally[];
}

function runner(options: DeliveryWorkerOptions): () => Promise<BatchRun> {
  const attempt = attempter(options);
  return async () => {
    const claimed = await options.store.claimDeliveries(
      options.clock(),
      options.batch,
      options.leaseMs,
    );
    const tallies = await Promise.all(claimed.map(attempt));
    return { claimed: claimed.length, tallies };
  };
}

function summarise(tallies: readonly Tally[]): RunSummary {
  const count = (tally: Tally) => tallies.filter((each) => each === tally).length;
  return { delivered: count("delivered"), retried: count("retried"), failed: count("failed") };
}

// ---------------------------------------------------------------- one delivery

/** Attempts one delivery and records the attempt, in a span when tracing. Never rejects. */
function attempter(options: DeliveryWorkerOptions): (delivery: Delivery) => Promise<Tally> {
  const attempt = untracedAttempter(options);
  return options.tracing === undefined ? attempt : tracedAttempter(options.tracing, attempt);
}

/**
 * The delivery's span joins its decision's trace, though it runs later and perhaps in another
 * process. A decision recorded without tracing (or a failed lookup) gives a trace of its own.
 */
function tracedAttempter(
  { tracing, decisionSpan }: DeliveryTracing,
  attempt: (delivery: Delivery) => Promise<Tally>,
): (delivery: Delivery) => Promise<Tally> {
  return async (delivery) => {
    const parent = await decisionSpan(delivery.decisionId).catch(() => undefined);
    const fields = {
      "assent.delivery_id": delivery.deliveryId,
      "assent.decision_id": delivery.decisionId,
      "assent.subject_id": delivery.subjectId,
      "assent.connector": delivery.connector,
      "assent.attempt": String(delivery.attempts + 1),
    };
    const deliver = async (span: TraceSpan) => {
      const tally = await attempt(delivery);
      span.set({ "assent.delivery_result": tally });
      return tally;
    };
    return tracing.inSpan("assent.outbox.deliver", fields, deliver, parent);
  };
}

function untracedAttempter(options: DeliveryWorkerOptions): (delivery: Delivery) => Promise<Tally> {
  const logger = options.logger ?? silent;
  const random = options.random ?? Math.random;

  return async (delivery) => {
    const stop = await stopped(options.recheck, delivery);
    if (stop !== undefined) {
      logger.info(idsOf(delivery), `delivery ${stop}`);
      return stop === "cancelled" ? "cancelled" : "unrecorded";
    }
    const result = await deliverVia(options.connectors.get(delivery.connector), delivery);
    const attempt = attemptOf(delivery, result, options.clock(), options.backoff, random);
    const fields = fieldsOf(delivery, attempt);
    try {
      await options.store.recordAttempt(delivery.deliveryId, attempt);
    } catch {
      // The lease runs out and another run sends it again, under the same idempotency key.
      logger.warn(fields, "delivery attempt not recorded");
      return "unrecorded";
    }
    return logAttempt(logger, fields, attempt, result);
  };
}

/** Why the recheck stops a delivery, or undefined to go on. */
async function stopped(
  recheck: DeliveryWorkerOptions["recheck"],
  delivery: Delivery,
): Promise<"cancelled" | "not rechecked; left for its lease to run out" | undefined> {
  if (recheck === undefined) return undefined;
  try {
    return (await recheck(delivery)) ? undefined : "cancelled";
  } catch {
    return "not rechecked; left for its lease to run out";
  }
}

function idsOf(delivery: Delivery): LogFields {
  return {
    deliveryId: delivery.deliveryId,
    decisionId: delivery.decisionId,
    subjectId: delivery.subjectId,
  };
}

async function deliverVia(
  connector: Connector | undefined,
  delivery: Delivery,
): Promise<DeliveryResult> {
  if (connector === undefined) return { outcome: "permanent", code: "unknown_connector" };
  try {
    return await connector.deliver(delivery);
  } catch {
    return { outcome: "transient", code: "connector_error" };
  }
}

/**
 * The attempt to record. A transient failure waits `backoff(attempts)`, or longer when the peer
 * asked (never past the cap); the last allowed attempt that fails transiently fails for good.
 */
export function attemptOf(
  delivery: Delivery,
  result: DeliveryResult,
  at: Instant,
  backoff: BackoffPolicy,
  random: () => number,
): DeliveryAttempt {
  const { outcome, code } = result;
  const attempts = delivery.attempts + 1;
  if (outcome !== "transient" || attempts >= backoff.maxAttempts) {
    return { at, outcome: outcome === "transient" ? "permanent" : outcome, code };
  }
  const asked = Math.min(result.retryAfterMs ?? 0, backoff.capMs);
  const wait = Math.max(backoffDelay(attempts, backoff, random), asked);
  return { at, outcome, code, retryAt: at + wait };
}

function fieldsOf(delivery: Delivery, attempt: DeliveryAttempt): LogFields {
  return {
    deliveryId: delivery.deliveryId,
    decisionId: delivery.decisionId,
    subjectId: delivery.subjectId,
    connector: delivery.connector,
    code: attempt.code,
    attempts: delivery.attempts + 1,
  };
}

/** ERROR only where a person must act: the delivery will not happen without them. */
function logAttempt(
  logger: OutboxLogger,
  fields: LogFields,
  attempt: DeliveryAttempt,
  result: DeliveryResult,
): Tally {
  if (attempt.outcome === "delivered") {
    logger.info(fields, "delivery delivered");
    return "delivered";
  }
  if (attempt.outcome === "transient") {
    logger.warn({ ...fields, retryAt: attempt.retryAt ?? attempt.at }, "delivery will retry");
    return "retried";
  }
  const gaveUp = result.outcome === "transient";
  logger.error(fields, gaveUp ? "delivery gave up after its last attempt" : "delivery failed");
  return "failed";
}

// ---------------------------------------------------------------- polling

interface Poller {
  start(): void;
  stop(): Promise<void>;
}

function poller(run: () => Promise<BatchRun>, options: DeliveryWorkerOptions): Poller {
  const logger = options.logger ?? silent;
  const pollMs = options.pollMs ?? 1000;
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let wake: () => void = () => {};

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const cycle = async (): Promise<void> => {
    while (running) {
      const full = await runSafely(run, logger, options.batch);
      if (running && !full) await pause(pollMs);
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop = cycle();
    },
    async stop() {
      running = false;
      wake();
      await loop;
    },
  };
}

/** Whether the batch came back full (more may be due). A failed claim waits like an idle one. */
async function runSafely(
  run: () => Promise<BatchRun>,
  logger: OutboxLogger,
  batch: number,
): Promise<boolean> {
  try {
    return (await run()).claimed >= batch;
  } catch (error: unknown) {
    logger.warn({ error: error instanceof Error ? error.name : "unknown" }, "outbox claim failed");
    return false;
  }
}
