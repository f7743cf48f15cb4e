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
} from "../engine/types.ts";
import type { SimItem } from "../simulator/index.ts";

/**
 * An in-memory world for replays, the simulator and benchmarks: it projects events onto
 * profiles, keeps the consent ledger and the sends, and re-decides deferred decisions when due.
 * The service's stores (issue #3) replace it for real use; the engine is the same.
 */

interface SubjectState {
  readonly profile: Map<string, AttributeState>;
  readonly records: ConsentRecord[];
  readonly suppressions: SuppressionRecord[];
  readonly contacts: Partial<Record<Channel, ContactPoint>>;
  gpcSince?: Instant;
  readonly sends: SendRecord[];
}

interface Deferral {
  readonly due: Instant;
  readonly nodeId: string;
  readonly event: AssentEvent;
}

/** What the world consumes: the simulator's items. */
export type WorldItem = SimItem;

export class MemoryWorld {
  private readonly subjects = new Map<string, SubjectState>();
  private deferrals: Deferral[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly release: Release,
    private readonly attributes: ReadonlySet<string>,
  ) {}

  /** Applies one item at its instant, after every deferral that fell due before it. */
  apply(item: WorldItem, onDecision: (decision: Decision) => void): void {
    this.runDeferrals(item.at, onDecision);
    if (item.kind === "event") this.handleEvent(item.event, onDecision);
    else this.record(item);
  }

  /** Runs the deferrals due up to `until` (the end of a replay). */
  runDeferrals(until: Instant, onDecision: (decision: Decision) => void): void {
    while (this.deferrals.length > 0) {
      const next = this.deferrals[0];
      if (next === undefined || next.due > until) return;
      this.deferrals.shift();
      const node = this.engine.nodes.find((candidate) => candidate.id === next.nodeId);
      if (node === undefined) continue;
      const decision = this.engine.decideNode(node, this.inputFor(next.event, next.due));
      this.settle(decision, next.event, onDecision);
    }
  }

  pendingDeferrals(): number {
    return this.deferrals.length;
  }

  private handleEvent(event: AssentEvent, onDecision: (decision: Decision) => void): void {
    this.project(event);
    const input = this.inputFor(event, event.occurredAt);
    for (const decision of this.engine.decide(input)) this.settle(decision, event, onDecision);
  }

  private settle(decision: Decision, event: AssentEvent, onDecision: (d: Decision) => void): void {
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
      this.defer({ due: decision.deferUntil, nodeId: decision.nodeId, event });
    }
  }

  private defer(deferral: Deferral): void {
    const index = this.deferrals.findIndex((existing) => existing.due > deferral.due);
    if (index === -1) this.deferrals.push(deferral);
    else this.deferrals.splice(index, 0, deferral);
  }

  /** Out-of-order events never overwrite a newer value. */
  private project(event: AssentEvent): void {
    const { profile } = this.subject(event.subjectId);
    for (const [name, value] of Object.entries(event.data)) {
      if (!this.attributes.has(name) || !isAttributeValue(value)) continue;
      const current = profile.get(name);
      if (current !== undefined && current.updatedAt > event.occurredAt) continue;
      profile.set(name, {
        value,
        updatedAt: event.occurredAt,
        eventId: event.id,
        source: event.source,
      });
    }
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
      state = { profile: new Map(), records: [], suppressions: [], contacts: {}, sends: [] };
      this.subjects.set(subjectId, state);
    }
    return state;
  }
}

function isAttributeValue(value: unknown): value is AttributeValue {
  if (Array.isArray(value)) return value.every((element) => typeof element === "string");
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}
