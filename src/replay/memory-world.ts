import type { Engine } from "../engine/engine.ts";
import type { Release } from "../engine/node.ts";
import type {
  AssentEvent,
  AttributeState,
  AttributeValue,
  Channel,
  ConsentRecord,
  ConsentView,
  ContactPoint,
  Decision,
  Instant,
  SendRecord,
  SuppressionRecord,
  TimerFiring,
} from "../engine/types.ts";
import type { SimItem } from "../simulator/index.ts";
import type { Timer } from "../timers/timer.ts";
import { concernsTimers, planTimers, type TimerIndex, timerIndex } from "../timers/timer-plan.ts";

/**
 * An in-memory world for replays, the simulator and benchmarks: it projects events onto
 * profiles, keeps the consent ledger and the sends, fires timers and re-decides deferred decisions
 * when due, in order with the items.
 * The service's stores (issue #3) replace it for real use; the engine is the same.
 */

interface SubjectState {
  readonly profile: Map<string, AttributeState>;
  readonly records: ConsentRecord[];
  readonly suppressions: SuppressionRecord[];
  readonly contacts: Partial<Record<Channel, ContactPoint>>;
  gpcSince?: Instant;
  readonly sends: SendRecord[];
  /** Pending timers by node. */
  readonly timers: Map<string, Timer>;
}

interface Deferral {
  readonly due: Instant;
  readonly nodeId: string;
  readonly event: AssentEvent;
  /** For a deferred timer firing: the firing, decided again when the deferral comes due. */
  readonly firing?: TimerFiring;
}

/** A timer waiting in the queue, with the event it decides on. */
interface QueuedTimer {
  readonly timer: Timer;
  readonly event: AssentEvent;
}

/** What the world consumes: the simulator's items. */
export type WorldItem = SimItem;

export class MemoryWorld {
  private readonly subjects = new Map<string, SubjectState>();
  private deferrals: Deferral[] = [];
  /** Pending timers soonest first; a timer moved or cancelled since stays until it is reached. */
  private queue: QueuedTimer[] = [];
  private readonly timers: TimerIndex;
  private timerCount = 0;

  constructor(
    private readonly engine: Engine,
    private readonly release: Release,
    private readonly attributes: ReadonlySet<string>,
  ) {
    this.timers = timerIndex(engine.nodes);
  }

  /** Applies one item at its instant, after every timer and deferral that fell due by then. */
  apply(item: WorldItem, onDecision: (decision: Decision) => void): void {
    this.runDeferrals(item.at, onDecision);
    if (item.kind === "event") this.handleEvent(item.event, onDecision);
    else this.record(item);
  }

  /**
   * Fires the timers due up to `timersUntil` and runs the deferrals due up to `until`, in order.
   * At the end of a replay, deferrals may run past the stream while timers stop with it, as a
   * service that stopped receiving events would still have fired them but a replay shows only
   * the period it covers.
   */
  runDeferrals(
    until: Instant,
    onDecision: (decision: Decision) => void,
    timersUntil: Instant = until,
  ): void {
    for (;;) {
      const deferral = this.deferrals[0];
      const queued = this.queue[0];
      const next = queued?.timer.dueAt ?? Number.POSITIVE_INFINITY;
      const timerDue = next <= timersUntil ? next : Number.POSITIVE_INFINITY;
      const deferralDue = deferral?.due ?? Number.POSITIVE_INFINITY;
      if (Math.min(timerDue, deferralDue) > until) return;
      if (queued !== undefined && timerDue <= deferralDue) {
        this.queue.shift();
        this.fire(queued, onDecision);
      } else if (deferral !== undefined) {
        this.deferrals.shift();
        this.redecide(deferral, onDecision);
      }
    }
  }

  pendingDeferrals(): number {
    return this.deferrals.length;
  }

  /** Timers waiting to fire (not moved or cancelled). */
  pendingTimers(): number {
    let count = 0;
    for (const state of this.subjects.values()) count += state.timers.size;
    return count;
  }

  private redecide(deferral: Deferral, onDecision: (decision: Decision) => void): void {
    const node = this.node(deferral.nodeId);
    if (node === undefined) return;
    const input = { ...this.inputFor(deferral.event, deferral.due), firing: deferral.firing };
    this.settle(this.engine.decideNode(node, input), deferral.event, onDecision, deferral.firing);
  }

  /** A timer fires at its own instant, on the replayed clock: always on time. */
  private fire({ timer, event }: QueuedTimer, onDecision: (decision: Decision) => void): void {
    const pending = this.subject(timer.subjectId).timers;
    if (pending.get(timer.nodeId) !== timer) return;
    pending.delete(timer.nodeId);
    const node = this.node(timer.nodeId);
    if (node === undefined) return;
    const { timerId, dueAt, why } = timer;
    const firing: TimerFiring = { timerId, dueAt, firedAt: dueAt, why };
    const input = { ...this.inputFor(event, dueAt), firing };
    this.settle(this.engine.decideNode(node, input), event, onDecision, firing);
  }

  private node(nodeId: string) {
    return this.engine.nodes.find((candidate) => candidate.id === nodeId);
  }

  private handleEvent(event: AssentEvent, onDecision: (decision: Decision) => void): void {
    const set = this.project(event);
    const input = this.inputFor(event, event.occurredAt);
    for (const decision of this.engine.decide(input)) this.settle(decision, event, onDecision);
    if (concernsTimers(this.timers, event.type, set)) this.planTimers(event, set);
  }

  private planTimers(event: AssentEvent, attributes: readonly string[]): void {
    const state = this.subject(event.subjectId);
    const scene = {
      event,
      attributes,
      pending: [...state.timers.values()],
      profile: state.profile,
      now: event.occurredAt,
      newId: () => `timer-${++this.timerCount}`,
    };
    for (const change of planTimers(this.timers, scene)) {
      if (change.op === "cancel") {
        state.timers.delete(change.timer.nodeId);
        continue;
      }
      state.timers.set(change.timer.nodeId, change.timer);
      this.enqueue({ timer: change.timer, event });
    }
  }

  private enqueue(queued: QueuedTimer): void {
    const due = queued.timer.dueAt;
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.queue[middle]?.timer.dueAt ?? 0) <= due) low = middle + 1;
      else high = middle;
    }
    this.queue.splice(low, 0, queued);
  }

  private settle(
    decision: Decision,
    event: AssentEvent,
    onDecision: (d: Decision) => void,
    firing?: TimerFiring,
  ): void {
    onDecision(decision);
    if (decision.outcome === "act" && decision.action !== undefined) {
      const { channel } = decision.action;
      const send = {
        at: decision.decidedAt,
        channel,
        nodeId: decision.nodeId,
        basis: decision.basis,
      };
      this.subject(decision.subjectId).sends.push(send);
    }
    if (decision.outcome === "defer" && decision.deferUntil !== undefined) {
      this.defer({ due: decision.deferUntil, nodeId: decision.nodeId, event, firing });
    }
  }

  private defer(deferral: Deferral): void {
    const index = this.deferrals.findIndex((existing) => existing.due > deferral.due);
    if (index === -1) this.deferrals.push(deferral);
    else this.deferrals.splice(index, 0, deferral);
  }

  /** Out-of-order events never overwrite a newer value. Returns the attributes the event sets. */
  private project(event: AssentEvent): string[] {
    const { profile } = this.subject(event.subjectId);
    const set: string[] = [];
    for (const [name, value] of Object.entries(event.data)) {
      if (!this.attributes.has(name) || !isAttributeValue(value)) continue;
      set.push(name);
      const current = profile.get(name);
      if (current !== undefined && current.updatedAt > event.occurredAt) continue;
      profile.set(name, {
        value,
        updatedAt: event.occurredAt,
        eventId: event.id,
        source: event.source,
      });
    }
    return set;
  }

  private record(item: Exclude<WorldItem, { kind: "event" }>): void {
    if (item.kind === "consent") this.subject(item.record.subjectId).records.push(item.record);
    if (item.kind === "suppression")
      this.subject(item.record.subjectId).suppressions.push(item.record);
    if (item.kind === "gpc") this.subject(item.subjectId).gpcSince ??= item.at;
    if (item.kind === "contact") {
      this.subject(item.subjectId).contacts[item.channel] = { jurisdiction: item.jurisdiction };
    }
  }

  private inputFor(event: AssentEvent, now: Instant) {
    const state = this.subject(event.subjectId);
    const consent: ConsentView = {
      subjectId: event.subjectId,
      records: state.records,
      suppressions: state.suppressions,
      gpcSince: state.gpcSince,
      contacts: state.contacts,
    };
    return {
      event,
      profile: state.profile,
      consent,
      history: state.sends,
      release: this.release,
      now,
    };
  }

  private subject(subjectId: string): SubjectState {
    let state = this.subjects.get(subjectId);
    if (state === undefined) {
      state = {
        profile: new Map(),
        records: [],
        suppressions: [],
        contacts: {},
        sends: [],
        timers: new Map(),
      };
      this.subjects.set(subjectId, state);
    }
    return state;
  }
}

function isAttributeValue(value: unknown): value is AttributeValue {
  if (Array.isArray(value)) return value.every((element) => typeof element === "string");
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}
