import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Instant } from "../engine/types.ts";
import type { Backlog } from "../store/store.ts";

/**
 * Prometheus metrics: the golden signals of the service (latency, traffic, errors, saturation)
 * and business counters per decision node. Labels carry ids and codes from bounded sets only —
 * route patterns, node ids, outcomes, reason codes, error codes — never a subject id, a raw URL
 * or anything a person typed.
 */

/** Latency buckets in seconds: sub-millisecond decides up to slow batch ingests. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** The route label of a request that matched no route: one series, whatever was asked for. */
export const UNMATCHED_ROUTE = "unmatched";

/** A gauge whose value is read on each scrape from a sample shared with its siblings. */
export interface SampledGauge<T> {
  /** `assent_…`, in base units (`_seconds`), not ending in `_total`. */
  readonly name: string;
  readonly help: string;
  /** With `labelName`, `value` returns a value per label value (a bounded set). */
  readonly labelName?: string;
  readonly value: (sample: T) => number | Readonly<Record<string, number>>;
}

/** Which node an outcome is credited to, in which arm, and what it is worth. */
export interface OutcomeSample {
  readonly nodeId: string;
  readonly metric: string;
  /** `treated` (the node acted) or `control` (it held out). */
  readonly arm: "treated" | "control";
  /** The outcome's value in the account's currency; 0 when the node declares none. */
  readonly value: number;
}

export interface Metrics {
  /** The media type of `scrape()`'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** Reads every sampled gauge, then renders the exposition text. */
  scrape(): Promise<string>;
  /** One answered request: method, route pattern, status, seconds and the problem's code. */
  observeRequest(
    method: string,
    route: string,
    status: number,
    seconds: number,
    code?: string,
  ): void;
  /** One ingested event: its catalog type and whether it was new (or a re-sent id in conflict). */
  observeEvent(type: string, status: "accepted" | "duplicate" | "conflict"): void;
  /** One recorded decision. */
  observeDecision(nodeId: string, outcome: string, reason: string): void;
  observeOutcome(sample: OutcomeSample): void;
  /** One delivery attempt by a connector: its outcome, short code and seconds. */
  observeDelivery(connector: string, outcome: string, code: string, seconds: number): void;
  /**
   * Registers gauges read from one sample per scrape (one store query for several gauges). A
   * failing read leaves them at their last values and counts `assent_metric_read_failures_total`.
   * `addBacklogGauges` and `addTimerGauges` are built on it.
   *
   * @example
   * metrics.addSampledGauges(() => store.backlog(), [
   *   { name: "assent_outbox_depth", help: "Deliveries pending.", value: (b) => b.outbox.pending },
   * ]);
   */
  addSampledGauges<T>(read: () => Promise<T>, gauges: readonly SampledGauge<T>[]): void;
}

export interface MetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event-loop lag, handles); default on. */
  readonly runtime?: boolean;
}

/**
 * Creates a registry of its own (no global state: two services in one process, or two tests,
 * never share counts).
 *
 * @example
 * const metrics = createMetrics();
 * addBacklogGauges(metrics, () => store.backlog(), Date.now);
 * const text = await metrics.scrape();
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.runtime !== false) runtimeMetrics(registry);
  const http = httpMetrics(registry);
  const business = businessMetrics(registry);
  const sampled = sampledGauges(registry);
  return {
    contentType: registry.contentType,
    scrape: async () => {
      await sampled.refresh();
      return registry.metrics();
    },
    observeRequest: http.observe,
    ...business,
    addSampledGauges: sampled.add,
  };
}

/**
 * prom-client's gauges that end in `_total` break the naming rule `promtool check metrics`
 * enforces (only counters end so); the same counts stay available by type, summed in a query:
 * `sum(nodejs_active_handles)`.
 */
const MISNAMED_RUNTIME_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** Process and Node.js runtime metrics: CPU, memory, heap, event-loop lag, handles, GC. */
function runtimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_RUNTIME_GAUGES) registry.removeSingleMetric(name);
}

// ---------------------------------------------------------------- HTTP (latency, traffic, errors)

/** Per route and method, the latency child and the request counters by status. */
interface RouteSeries {
  readonly latency: Histogram.Internal<string>;
  readonly byStatus: Map<number, Counter.Internal>;
}

function httpMetrics(registry: Registry) {
  const latency = new Histogram({
    name: "assent_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method and route pattern.",
    labelNames: ["method", "route"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const requests = new Counter({
    name: "assent_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const errors = new Counter({
    name: "assent_http_errors_total",
    help: "HTTP requests answered with a problem document, by route pattern and error code.",
    labelNames: ["route", "code"],
    registers: [registry],
  });

  // Children are kept per route, method and status, so that a request allocates no label object
  // and no key string: the routes and methods of one server are a small fixed set.
  const series = new Map<string, Map<string, RouteSeries>>();
  const seriesOf = (method: string, route: string): RouteSeries => {
    let byMethod = series.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      series.set(route, byMethod);
    }
    let found = byMethod.get(method);
    if (found === undefined) {
      found = { latency: latency.labels(method, route), byStatus: new Map() };
      byMethod.set(method, found);
    }
    return found;
  };

  return {
    observe(method: string, route: string, status: number, seconds: number, code?: string) {
      const { latency: child, byStatus } = seriesOf(method, route);
      child.observe(seconds);
      let counter = byStatus.get(status);
      if (counter === undefined) {
        counter = requests.labels(method, route, String(status));
        byStatus.set(status, counter);
      }
      counter.inc();
      if (code !== undefined) errors.labels(route, code).inc();
    },
  };
}

// ---------------------------------------------------------------- business counters per node

function businessMetrics(registry: Registry) {
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const events = counter("assent_events_total", "Events ingested, by type and status.", [
    "type",
    "status",
  ]);
  const decisions = counter(
    "assent_decisions_total",
    "Decisions recorded, by node, outcome and reason code.",
    ["node", "outcome", "reason"],
  );
  const acts = counter("assent_acts_total", "Decisions that acted, by node.", ["node"]);
  const holdouts = counter(
    "assent_holdouts_total",
    "Decisions held out in an experiment's control arm, by node.",
    ["node"],
  );
  const outcomes = counter(
    "assent_outcomes_total",
    "Outcome events credited to a node's decision within its window, by node, metric and arm.",
    ["node", "metric", "arm"],
  );
  const outcomeValue = counter(
    "assent_outcome_value_total",
    "Value of the outcomes credited to a node (count times the node's unit value).",
    ["node", "metric", "arm"],
  );
  const deliveries = counter(
    "assent_deliveries_total",
    "Delivery attempts, by connector, outcome and short code.",
    ["connector", "outcome", "code"],
  );
  const deliveryLatency = new Histogram({
    name: "assent_delivery_duration_seconds",
    help: "Time one delivery attempt took, by connector.",
    labelNames: ["connector"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  return {
    observeEvent: (type: string, status: string) => events.labels(type, status).inc(),
    observeDecision(nodeId: string, outcome: string, reason: string) {
      decisions.labels(nodeId, outcome, reason).inc();
      if (outcome === "act") acts.labels(nodeId).inc();
      if (outcome === "holdout") holdouts.labels(nodeId).inc();
    },
    observeOutcome({ nodeId, metric, arm, value }: OutcomeSample) {
      outcomes.labels(nodeId, metric, arm).inc();
      outcomeValue.labels(nodeId, metric, arm).inc(value);
    },
    observeDelivery(connector: string, outcome: string, code: string, seconds: number) {
      deliveries.labels(connector, outcome, code).inc();
      deliveryLatency.labels(connector).observe(seconds);
    },
  };
}

// ---------------------------------------------------------------- saturation

type Refresh = () => Promise<void>;

function sampledGauges(registry: Registry) {
  const refreshers: Refresh[] = [];
  const failures = new Counter({
    name: "assent_metric_read_failures_total",
    help: "Scrapes on which a sampled gauge could not be read (it kept its last value).",
    registers: [registry],
  });

  return {
    refresh: async () => {
      await Promise.all(refreshers.map((refresh) => refresh()));
    },
    add<T>(read: () => Promise<T>, specs: readonly SampledGauge<T>[]) {
      const gauges = specs.map((spec) => ({ spec, gauge: gaugeOf(registry, spec) }));
      refreshers.push(async () => {
        let sample: T;
        try {
          sample = await read();
        } catch {
          failures.inc();
          return;
        }
        for (const { spec, gauge } of gauges) setGauge(gauge, spec.value(sample));
      });
    },
  };
}

function gaugeOf<T>(registry: Registry, spec: SampledGauge<T>): Gauge {
  const labelNames = spec.labelName === undefined ? [] : [spec.labelName];
  return new Gauge({ name: spec.name, help: spec.help, labelNames, registers: [registry] });
}

function setGauge(gauge: Gauge, value: number | Readonly<Record<string, number>>): void {
  if (typeof value === "number") {
    gauge.set(value);
    return;
  }
  for (const [label, each] of Object.entries(value)) gauge.labels(label).set(each);
}

/** Seconds from `dueAt` to `now`; 0 when nothing is pending or nothing is late yet. */
export function ageSeconds(now: Instant, dueAt: Instant | undefined): number {
  return dueAt === undefined ? 0 : Math.max(0, now - dueAt) / 1000;
}

/**
 * The store's saturation gauges: outbox depth, deferred queue depth, and the age of the oldest
 * unprocessed work per queue (how long past its due instant the oldest pending delivery or
 * deferred decision is: 0 while the workers keep up).
 *
 * @example addBacklogGauges(metrics, () => store.backlog(), Date.now)
 */
export function addBacklogGauges(
  metrics: Metrics,
  read: () => Promise<Backlog>,
  clock: () => Instant,
): void {
  metrics.addSampledGauges(
    async () => ({ backlog: await read(), now: clock() }),
    [
      {
        name: "assent_outbox_depth",
        help: "Deliveries pending in the outbox (due, in flight or waiting for a retry).",
        value: ({ backlog }) => backlog.outbox.pending,
      },
      {
        name: "assent_deferrals_pending",
        help: "Deferred decisions waiting for their instant (the deferred queue depth).",
        value: ({ backlog }) => backlog.deferrals.pending,
      },
      {
        name: "assent_oldest_unprocessed_age_seconds",
        help: "How long past its due instant the oldest pending item of each queue is.",
        labelName: "queue",
        value: ({ backlog, now }) => ({
          outbox: ageSeconds(now, backlog.outbox.oldestDueAt),
          deferrals: ageSeconds(now, backlog.deferrals.oldestDueAt),
        }),
      },
    ],
  );
}

/** What the timer gauges read: `Store.timerStats(now)`. */
export interface TimerStats {
  readonly pending: number;
  readonly oldestDueAt: Instant | undefined;
}

/**
 * The durable timers' saturation gauges: timers waiting to fire, and how long past its due
 * instant the oldest due timer that has not fired is (0 while the scheduler keeps up).
 *
 * @example addTimerGauges(metrics, (now) => store.timerStats(now), Date.now)
 */
export function addTimerGauges(
  metrics: Metrics,
  read: (now: Instant) => Promise<TimerStats>,
  clock: () => Instant,
): void {
  metrics.addSampledGauges(async () => {
    const now = clock();
    return { stats: await read(now), now };
  }, [
    {
      name: "assent_timers_pending",
      help: "Durable timers waiting to fire (after a delay, before or after a date).",
      value: ({ stats }) => stats.pending,
    },
    {
      name: "assent_timer_lag_seconds",
      help: "How long past its due instant the oldest due timer that has not fired is.",
      value: ({ stats, now }) => ageSeconds(now, stats.oldestDueAt),
    },
  ]);
}
