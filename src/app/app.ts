import { v7 as uuidv7 } from "uuid";
import { createEngine } from "../engine/engine.ts";
import type {
  AssentEvent,
  ConsentRecord,
  ConsentView,
  Instant,
  Profile,
  SendRecord,
} from "../engine/types.ts";
import { conflictingFields, type EventContentField } from "../ingest/event-conflict.ts";
import {
  checkCapturedAt,
  isSignal,
  signalData,
  type ValidEvent,
  validateEvent,
} from "../ingest/event-validation.ts";
import type { ConsentInput, EventInput } from "../ingest/input-schema.ts";
import { ingestSegmentCalls } from "../ingest/segment/segment-ingest.ts";
import { NO_TRACING, type Tracing } from "../observability/tracing.ts";
import type { UnsubscribeLinks } from "../outbox/list-unsubscribe.ts";
import type { Catalog } from "../playbook/catalog.ts";
import type { Deployment } from "../playbook/loader.ts";
import { ReplayClock } from "../replay/replay-clock.ts";
import type { Delivery, Store, SubjectTx } from "../store/store.ts";
import type { Timer } from "../timers/timer.ts";
import { applyTimerChanges } from "../timers/timer-firing.ts";
import { timerIndex } from "../timers/timer-plan.ts";
import type { AssentApp, DecisionSummary, IngestOutcome } from "./assent-app.ts";
import { eraseSubject } from "./erasure.ts";
import { AppError, type FieldProblem, wrongFields } from "./errors.ts";
import { cancelUnpermitted, recheckDelivery } from "./in-flight.ts";
import {
  type DecisionReads,
  type DeliveryTarget,
  decide,
  decideAndRecord,
  type RecorderDeps,
} from "./recorder.ts";
import { settleReview, tick } from "./scheduler.ts";

/** Ids and counts only: the app never logs personal data. */
export interface AppLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AppOptions {
  readonly store: Store;
  readonly deployment: Deployment;
  /** The decision instant for live events; replays pass event times instead. */
  readonly clock: () => Instant;
  readonly targets?: readonly DeliveryTarget[];
  /** Review SLA for nodes that do not set one (default 48 h). */
  readonly reviewSlaMs?: number;
  readonly newId?: () => string;
  readonly logger?: AppLogger;
  /** One trace per event: ingest, profile update, each decision and its record. Off unless given. */
  readonly tracing?: Tracing;
  /** Unsubscribe links: marketing e-mail deliveries then carry List-Unsubscribe headers. */
  readonly unsubscribe?: UnsubscribeLinks;
}

/** The composition of store, engines and clock that every transport calls. */
export interface App extends AssentApp {
  readonly deps: RecorderDeps;
  /**
   * The outbox worker's last check before an attempt: false (and the delivery cancelled, the
   * cancellation logged) when consent no longer permits it. See `in-flight.ts`.
   */
  recheckDelivery(delivery: Delivery): Promise<boolean>;
  /** Ingests validated events deciding each as of `decideAt(event)` (replay: its own time). */
  ingestValid(
    events: readonly ValidEvent[],
    decideAt: (event: AssentEvent) => Instant,
  ): Promise<IngestOutcome[]>;
  /**
   * A replay group in one transaction: events decided as of their own time, consent in order.
   * Timers and deferrals due before an item come due first, each at its own instant, and
   * `onFired` hears of their decisions with the number of outcomes that came before them.
   */
  replayGroup(
    items: readonly ReplayItem[],
    onFired?: (decisions: readonly DecisionSummary[], outcomesBefore: number) => void,
  ): Promise<IngestOutcome[]>;
  /** The due instant of the soonest pending timer (a replay ticks its clock to it). */
  nextTimerDue(): Promise<Instant | undefined>;
}

/** One validated line of a replay file. */
export type ReplayItem =
  | { readonly kind: "event"; readonly valid: ValidEvent }
  | { readonly kind: "consent"; readonly record: ConsentRecord };

/** Builds the application layer. */
export function createApp(options: AppOptions): App {
  const { store, deployment, clock } = options;
  const deps: RecorderDeps = {
    engines: deployment.playbooks.map((playbook) => ({
      engine: createEngine(playbook.nodes, deployment.policy),
      release: { id: `${playbook.name}@${playbook.version}`, state: "live", disabledNodes: [] },
    })),
    targets: options.targets ?? [{ connector: "file", recipient: "outbox" }],
    reviewSlaMs: options.reviewSlaMs ?? 48 * 3_600_000,
    newId: options.newId ?? uuidv7,
    tracing: options.tracing ?? NO_TRACING,
    unsubscribe: options.unsubscribe,
    timers: timerIndex(deployment.playbooks.flatMap((playbook) => playbook.nodes)),
  };
  const validate = (events: readonly EventInput[], base: (index: number) => string) =>
    validateAll(events, deployment, clock(), base);
  const logged = (outcomes: IngestOutcome[]) => logConflicts(options.logger, outcomes);
  const ingestValid = async (
    events: readonly ValidEvent[],
    decideAt: (event: AssentEvent) => Instant,
  ) => logged(await ingestGroup(store, deps, events, decideAt));

  return {
    deps,
    ingestValid,
    replayGroup: async (items, onFired) => logged(await replayGroup(store, deps, items, onFired)),
    nextTimerDue: () => store.nextTimerDue(),
    timersOf: (subjectId) => store.timersOf(subjectId),
    ingest: async (events, base = (index) => `/events/${index}`) =>
      ingestValid(validate(events, base), () => clock()),
    validate: async (events, base = (index) => `/events/${index}`) =>
      checkAll(events, deployment, clock(), base).refusal?.fields ?? [],
    ingestSegment: (calls, request) =>
      ingestSegmentCalls(
        calls,
        deployment.catalog,
        { ...request, receivedAt: new Date(clock()).toISOString() },
        (events, base) => ingestValid(validate(events, base), () => clock()),
      ),
    dryRun: async (input) => dryRun(store, deps, validate([input], () => "")[0], clock()),
    recordConsent: async (subjectId, input) => {
      checkConsentPurpose(input, deployment.catalog);
      checkCapturedAt(input, clock());
      return recordConsent(store, deps, subjectId, input, clock());
    },
    consent: (subjectId, asOf) => store.consentView(subjectId, asOf),
    decisionsOf: (subjectId, limit) => store.decisionsOf(subjectId, limit),
    decision: (decisionId) => store.getDecision(decisionId),
    reviews: (status, limit) => store.reviews(status, limit),
    settleReview: (reviewId, verdict) => settleReview(store, deps, reviewId, verdict, clock()),
    eraseSubject: (subjectId, at) => eraseSubject(store, deps, subjectId, at),
    recheckDelivery: (delivery) => recheckDelivery(store, deps, delivery, clock()),
    tick: (now) => tick(store, deps, now),
    ready: () => isReady(store),
    close: () => store.close(),
  };
}

/** Validates every event first: one bad event stores nothing, and every problem is listed. */
function validateAll(
  events: readonly EventInput[],
  deployment: Deployment,
  receivedAt: Instant,
  base: (index: number) => string,
): ValidEvent[] {
  const { valid, refusal } = checkAll(events, deployment, receivedAt, base);
  if (refusal !== undefined) throw refusal;
  return valid;
}

/** Every event checked against the catalog: the valid ones, and a refusal naming each bad field. */
function checkAll(
  events: readonly EventInput[],
  deployment: Deployment,
  receivedAt: Instant,
  base: (index: number) => string,
): { readonly valid: ValidEvent[]; readonly refusal?: AppError } {
  const valid: ValidEvent[] = [];
  const problems: FieldProblem[] = [];
  let code: AppError["code"] | undefined;
  events.forEach((input, index) => {
    try {
      valid.push(validateEvent(input, deployment.catalog, receivedAt, base(index)));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      code = code === undefined || code === error.code ? error.code : "invalid_event";
      problems.push(...error.fields);
    }
  });
  if (code === undefined) return { valid };

  // A signal inserted beside an event shares its time, so it may repeat the event's problem.
  const unique = [...new Map(problems.map((p) => [`${p.pointer} ${p.expected}`, p])).values()];
  const message = `${wrongFields(unique.length, events.length)}; nothing was stored`;
  return { valid, refusal: new AppError(code, message, unique) };
}

/** One transaction for the whole group (group commit), events in order per subject. */
async function ingestGroup(
  store: Store,
  deps: RecorderDeps,
  events: readonly ValidEvent[],
  decideAt: (event: AssentEvent) => Instant,
): Promise<IngestOutcome[]> {
  const subjects = [...new Set(events.map(({ event }) => event.subjectId))];
  return store.withSubjects(subjects, async (tx) => {
    const outcomes: IngestOutcome[] = [];
    for (const valid of events) {
      const subjectTx = tx.subject(valid.event.subjectId);
      outcomes.push(await ingestOne(subjectTx, deps, valid, decideAt(valid.event)));
    }
    return outcomes;
  });
}

async function replayGroup(
  store: Store,
  deps: RecorderDeps,
  items: readonly ReplayItem[],
  onFired: (decisions: readonly DecisionSummary[], outcomesBefore: number) => void = () => {},
): Promise<IngestOutcome[]> {
  const subjectOf = (item: ReplayItem) =>
    item.kind === "event" ? item.valid.event.subjectId : item.record.subjectId;
  const atOf = (item: ReplayItem) =>
    item.kind === "event" ? item.valid.event.occurredAt : item.record.capturedAt;
  // Work due by the group's last instant happens in its transaction, so it holds those subjects.
  const until = items.reduce((last, item) => Math.max(last, atOf(item)), Number.NEGATIVE_INFINITY);
  const due = Number.isFinite(until) ? await store.dueSubjects(until) : [];
  const subjects = [...new Set([...items.map(subjectOf), ...due])];
  return store.withSubjects(subjects, async (tx) => {
    const outcomes: IngestOutcome[] = [];
    const fired = (decisions: readonly DecisionSummary[]) => onFired(decisions, outcomes.length);
    const clock = await ReplayClock.start(tx, deps, until, fired);
    for (const item of items) {
      const at = atOf(item);
      await clock.advanceTo(at);
      const subjectTx = tx.subject(subjectOf(item));
      if (item.kind === "consent") {
        await subjectTx.appendConsent(item.record);
        // Pending work the record no longer permits is cancelled and logged, as it happened.
        const cancelled = await cancelUnpermitted(subjectTx, deps, at);
        if (cancelled.decisions.length > 0) fired(cancelled.decisions);
        continue;
      }
      const created: Timer[] = [];
      const outcome = await ingestOne(subjectTx, deps, item.valid, at, created);
      for (const timer of created) clock.noteTimer(timer.dueAt);
      clock.noteDecisions(outcome.decisions);
      outcomes.push(outcome);
    }
    return outcomes;
  });
}

/** One event in a span of its own: the root of the event's trace. */
function ingestOne(
  tx: SubjectTx,
  deps: RecorderDeps,
  valid: ValidEvent,
  now: Instant,
  created?: Timer[],
): Promise<IngestOutcome> {
  const { event } = valid;
  const tracing = deps.tracing ?? NO_TRACING;
  // Without an exporter there is no span to open: no fields to build, no wrapping per event.
  if (!tracing.enabled) return ingestTraced(tx, deps, valid, now, tracing, created);
  const fields = {
    "assent.event_id": event.id,
    "assent.event_type": event.type,
    "assent.subject_id": event.subjectId,
  };
  return tracing.inSpan("assent.event", fields, async (span) => {
    const outcome = await ingestTraced(tx, deps, valid, now, tracing, created);
    span.set({ "assent.ingest_status": outcome.status });
    return outcome;
  });
}

async function ingestTraced(
  tx: SubjectTx,
  deps: RecorderDeps,
  { event, attributes, consent = [] }: ValidEvent,
  now: Instant,
  tracing: Tracing,
  created?: Timer[],
): Promise<IngestOutcome> {
  // An erased subject's events are not stored: their tombstone suppresses every decision.
  if ((await tx.erasedAt()) !== undefined) {
    const decisions = await decideAndRecord(tx, deps, event, now);
    return { eventId: event.id, status: "accepted", decisions };
  }
  const fields = { "assent.event_id": event.id };
  const inserted = await tracing.inSpan("assent.event.insert", fields, () => tx.insertEvent(event));
  if (inserted === "duplicate") return resentOutcome(tx, event);
  if (isSignal(event.type)) {
    await applySignal(tx, event, consent);
    // The signal's decisions are the cancellations of pending work it no longer permits.
    const cancelled = await cancelUnpermitted(tx, deps, Math.max(now, event.occurredAt));
    return { eventId: event.id, status: "accepted", decisions: cancelled.decisions };
  }
  await tracing.inSpan("assent.profile.update", fields, () =>
    tx.applyAttributes(event, attributes),
  );
  const decisions = await decideAndRecord(tx, deps, event, now);
  const timers = await applyTimerChanges(tx, deps, event, Object.keys(attributes), now);
  created?.push(...timers);
  return { eventId: event.id, status: "accepted", decisions };
}

/**
 * A re-sent id: a duplicate when it repeats the stored event, else a conflict naming the fields
 * that differ, and the first event stands. An id stored under another subject is not found in
 * this one: it conflicts in `subjectId`.
 */
async function resentOutcome(tx: SubjectTx, event: AssentEvent): Promise<IngestOutcome> {
  const stored = await tx.event(event.id);
  // An erased subject's events cannot be opened, so nothing can be compared: a plain duplicate
  // (ingestTraced answers an erased subject before storing; this keeps the rule local).
  if (stored === undefined && (await tx.erasedAt()) !== undefined) {
    return { eventId: event.id, status: "duplicate", decisions: [] };
  }
  const conflicting: readonly EventContentField[] =
    stored === undefined ? ["subjectId"] : conflictingFields(stored, event);
  if (conflicting.length === 0) return { eventId: event.id, status: "duplicate", decisions: [] };
  return { eventId: event.id, status: "conflict", conflicting, decisions: [] };
}

/** One warn line per conflict: the event id and the names of the fields, never their values. */
function logConflicts(logger: AppLogger | undefined, outcomes: IngestOutcome[]): IngestOutcome[] {
  for (const { eventId, status, conflicting } of outcomes) {
    if (status !== "conflict") continue;
    logger?.warn({ eventId, conflicting }, "event id re-sent with other content");
  }
  return outcomes;
}

async function applySignal(
  tx: SubjectTx,
  event: AssentEvent,
  consent: readonly ConsentRecord[],
): Promise<void> {
  const signal = signalData(event);
  if (signal.kind === "gpc") return tx.recordGpc(event.occurredAt);
  if (signal.kind === "tcf") {
    for (const record of consent) await tx.appendConsent(record);
    return;
  }
  if (signal.kind === "contact") return tx.setContact(signal.channel, signal.jurisdiction);
  await tx.appendSuppression({
    id: `suppression/${event.id}`,
    subjectId: event.subjectId,
    reason: signal.reason,
    channel: signal.channel,
    since: event.occurredAt,
  });
}

/**
 * Reads outside any transaction: a dry run writes nothing and takes no lock. `decide` starts
 * the three reads together (and none when no node is triggered), so a store may serve them as
 * of one look at its data.
 */
async function dryRun(
  store: Store,
  deps: RecorderDeps,
  valid: ValidEvent | undefined,
  now: Instant,
) {
  if (valid === undefined) return [];
  return decide(new DryRunReads(store, valid), deps, valid.event, now);
}

/** What a dry run decides on: the stored subject, with the event's attributes laid over it. */
class DryRunReads implements DecisionReads {
  constructor(
    private readonly store: Store,
    private readonly valid: ValidEvent,
  ) {}

  async profile(): Promise<Profile> {
    return withEventAttributes(await this.store.profile(this.valid.event.subjectId), this.valid);
  }

  consentView(): Promise<ConsentView> {
    return this.store.consentView(this.valid.event.subjectId);
  }

  sends(since: Instant): Promise<SendRecord[]> {
    return this.store.sendsOf(this.valid.event.subjectId, since);
  }
}

/** The stored profile as the event would leave it: each attribute it sets, unless older. */
function withEventAttributes(stored: Profile, { event, attributes }: ValidEvent): Profile {
  const profile = new Map(stored);
  const { id: eventId, source, occurredAt: updatedAt } = event;
  for (const [name, value] of Object.entries(attributes)) {
    const current = profile.get(name);
    if (current === undefined || current.updatedAt <= updatedAt) {
      profile.set(name, { value, updatedAt, eventId, source });
    }
  }
  return profile;
}

/**
 * Appends the record and, in the same transaction, cancels the work in flight it no longer
 * permits, as of now or of the record's own instant if later (a withdrawal wins ties).
 */
async function recordConsent(
  store: Store,
  deps: RecorderDeps,
  subjectId: string,
  input: ConsentInput,
  now: Instant,
): Promise<ConsentRecord> {
  const record = toConsentRecord(subjectId, input, deps.newId);
  await store.withSubject(subjectId, async (tx) => {
    await tx.appendConsent(record);
    await cancelUnpermitted(tx, deps, Math.max(now, record.capturedAt));
  });
  return record;
}

/**
 * A consent record must name a purpose the catalog declares: a withdrawal for a misspelt purpose
 * would otherwise be stored and silently withdraw nothing.
 */
export function checkConsentPurpose(input: ConsentInput, catalog: Catalog, pointer = ""): void {
  if (catalog.purposes.has(input.purpose)) return;
  const expected = `a purpose declared in the catalog: ${[...catalog.purposes.keys()].join(", ")}`;
  throw new AppError("invalid_consent", `purpose ${input.purpose} is not declared`, [
    { pointer: `${pointer}/purpose`, expected },
  ]);
}

/** A ledger record from what a client sent. */
export function toConsentRecord(
  subjectId: string,
  input: ConsentInput,
  newId: () => string,
): ConsentRecord {
  return {
    id: input.id ?? newId(),
    subjectId,
    purpose: input.purpose,
    channel: input.channel,
    kind: input.kind,
    capturedAt: Date.parse(input.capturedAt),
    expiresAt: input.expiresAt === undefined ? undefined : Date.parse(input.expiresAt),
    express: input.express,
    jurisdiction: input.jurisdiction,
    source: input.source,
    evidence: input.evidence,
  };
}

async function isReady(store: Store): Promise<boolean> {
  try {
    await store.outboxDepth();
    return true;
  } catch {
    return false;
  }
}
