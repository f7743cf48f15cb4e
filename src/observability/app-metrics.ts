import type { AssentApp, DecisionSummary, IngestOutcome } from "../app/assent-app.ts";
import type { Instant } from "../engine/types.ts";
import type { EventInput } from "../ingest/input-schema.ts";
import type { Connector } from "../outbox/connector.ts";
import type { Deployment } from "../playbook/loader.ts";
import type { Review, StoredDecision } from "../store/store.ts";
import type { Metrics } from "./metrics.ts";

/** A node that watches an event type as its experiment outcome. */
interface OutcomeWatch {
  readonly nodeId: string;
  readonly metric: string;
  readonly withinMs: number;
  readonly unitValue: number;
}

/** How many of a subject's newest decisions are searched for the one an outcome credits. */
const CREDIT_LOOKBACK = 50;

/**
 * The application with its business counters: every event ingested, every decision recorded
 * (by ingest, Segment ingest, the clock's tick or a person's review verdict), counted after its
 * transaction committed, and outcome events credited to the node whose decision they follow.
 * Segment calls count their decisions; their events are not counted by type, nor credited as
 * outcomes (the outcome names no Assent event type).
 *
 * An outcome is an event of the type a node's experiment names (`outcome.event`) that arrives
 * within `outcome.within` of that node's newest `act` (arm `treated`) or `holdout` (arm
 * `control`) for the same subject. Its value is the node's `unit_value` for the metric of the
 * same name, 0 when the node declares none. Metrics never fail a request: a failed credit read
 * leaves the outcome uncounted.
 *
 * @example
 * const observed = observeApp(createApp({ store, deployment, clock }), metrics, deployment);
 */
export function observeApp(app: AssentApp, metrics: Metrics, deployment: Deployment): AssentApp {
  const watches = outcomeWatches(deployment);
  return {
    ...app,
    ingest: async (events, pointerBase) => {
      const outcomes = await app.ingest(events, pointerBase);
      observeIngest(metrics, events, outcomes);
      await creditOutcomes(app, metrics, watches, events, outcomes).catch(() => undefined);
      return outcomes;
    },
    ingestSegment: async (calls, request) => {
      const outcomes = await app.ingestSegment(calls, request);
      for (const outcome of outcomes) observeDecisions(metrics, outcome.decisions);
      return outcomes;
    },
    tick: async (now) => {
      const result = await app.tick(now);
      observeDecisions(metrics, result.decisions);
      return result;
    },
    settleReview: async (reviewId, verdict) => {
      const review = await app.settleReview(reviewId, verdict);
      await observeVerdict(app, metrics, review).catch(() => undefined);
      return review;
    },
  };
}

/** Event type → the nodes that count it as their outcome. */
function outcomeWatches(deployment: Deployment): ReadonlyMap<string, readonly OutcomeWatch[]> {
  const watches = new Map<string, OutcomeWatch[]>();
  for (const playbook of deployment.playbooks) {
    for (const [nodeId, meta] of playbook.meta) {
      const outcome = meta.experimentOutcome;
      if (outcome === undefined) continue;
      const unitValue = meta.outcomes.find((each) => each.metric === outcome.metric)?.unitValue;
      const watch = { nodeId, metric: outcome.metric, withinMs: outcome.withinMs };
      const list = watches.get(outcome.event) ?? [];
      list.push({ ...watch, unitValue: unitValue ?? 0 });
      watches.set(outcome.event, list);
    }
  }
  return watches;
}

function observeIngest(
  metrics: Metrics,
  events: readonly EventInput[],
  outcomes: readonly IngestOutcome[],
): void {
  outcomes.forEach((outcome, index) => {
    metrics.observeEvent(events[index]?.type ?? "unknown", outcome.status);
    observeDecisions(metrics, outcome.decisions);
  });
}

function observeDecisions(metrics: Metrics, decisions: readonly DecisionSummary[]): void {
  for (const { nodeId, outcome, reason } of decisions) {
    metrics.observeDecision(nodeId, outcome, reason);
  }
}

/**
 * A verdict records its decision at the instant it was given (`settledAt`): the subject's
 * newest decisions for the review's node and event at that instant are the ones it recorded.
 */
async function observeVerdict(app: AssentApp, metrics: Metrics, review: Review): Promise<void> {
  const newest = await app.decisionsOf(review.subjectId, CREDIT_LOOKBACK);
  for (const { decision } of newest) {
    const fromVerdict =
      decision.nodeId === review.nodeId &&
      decision.eventId === review.eventId &&
      decision.decidedAt === review.settledAt;
    if (fromVerdict) metrics.observeDecision(decision.nodeId, decision.outcome, decision.reason);
  }
}

async function creditOutcomes(
  app: AssentApp,
  metrics: Metrics,
  watches: ReadonlyMap<string, readonly OutcomeWatch[]>,
  events: readonly EventInput[],
  outcomes: readonly IngestOutcome[],
): Promise<void> {
  for (const [index, event] of events.entries()) {
    const watching = watches.get(event.type);
    if (watching === undefined || outcomes[index]?.status !== "accepted") continue;
    const decisions = await app.decisionsOf(event.subjectId, CREDIT_LOOKBACK);
    for (const watch of watching) {
      const arm = creditedArm(decisions, watch, Date.parse(event.occurredAt));
      if (arm === undefined) continue;
      const { nodeId, metric, unitValue } = watch;
      metrics.observeOutcome({ nodeId, metric, arm, value: unitValue });
    }
  }
}

/** The arm of the node's newest act or holdout within the window before `at`, if any. */
export function creditedArm(
  newestFirst: readonly StoredDecision[],
  watch: Pick<OutcomeWatch, "nodeId" | "withinMs">,
  at: Instant,
): "treated" | "control" | undefined {
  for (const { decision } of newestFirst) {
    if (decision.nodeId !== watch.nodeId) continue;
    if (decision.outcome !== "act" && decision.outcome !== "holdout") continue;
    if (decision.decidedAt > at) continue;
    if (decision.decidedAt < at - watch.withinMs) return undefined;
    return decision.outcome === "act" ? "treated" : "control";
  }
  return undefined;
}

/**
 * A connector whose every attempt is counted by outcome and short code, with its duration.
 *
 * @example connectors.set(webhook.name, observeConnector(webhook, metrics, performance.now))
 */
export function observeConnector(
  connector: Connector,
  metrics: Metrics,
  elapsedMs: () => number = performance.now.bind(performance),
): Connector {
  return {
    name: connector.name,
    deliver: async (delivery) => {
      const started = elapsedMs();
      try {
        const result = await connector.deliver(delivery);
        const seconds = (elapsedMs() - started) / 1000;
        metrics.observeDelivery(connector.name, result.outcome, result.code, seconds);
        return result;
      } catch (error) {
        const seconds = (elapsedMs() - started) / 1000;
        metrics.observeDelivery(connector.name, "transient", "connector_error", seconds);
        throw error;
      }
    },
  };
}
