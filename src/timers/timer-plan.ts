import type { CompiledNode, DateTimerSpec, DelayTimerSpec } from "../engine/node.ts";
import type { AssentEvent, Instant, Profile } from "../engine/types.ts";
import { dateValue, type Timer, timerWhy } from "./timer.ts";

/**
 * Which timers an event creates, moves or cancels. Pure: the caller reads the subject's pending
 * timers and its profile (after the event's attributes were applied) and writes the changes in
 * the event's own transaction.
 */

interface Timed<Spec> {
  readonly nodeId: string;
  readonly spec: Spec;
}

/** A deployment's time-triggered nodes, indexed by what concerns them. */
export interface TimerIndex {
  /** Event type to the nodes whose delay it starts. */
  readonly starts: ReadonlyMap<string, readonly Timed<DelayTimerSpec>[]>;
  /** Event type to the nodes whose pending delay it cancels (`unless`). */
  readonly stops: ReadonlyMap<string, readonly Timed<DelayTimerSpec>[]>;
  /** Attribute name to the nodes whose date it holds. */
  readonly dates: ReadonlyMap<string, readonly Timed<DateTimerSpec>[]>;
  /** Node id to its timer spec, for firing. */
  readonly specs: ReadonlyMap<string, DelayTimerSpec | DateTimerSpec>;
}

export type TimerChange =
  | { readonly op: "create"; readonly timer: Timer }
  | { readonly op: "cancel"; readonly timer: Timer; readonly status: "cancelled" | "moved" };

/** What planning reads. */
export interface TimerScene {
  readonly event: AssentEvent;
  /** The attributes the event set (its validated data). */
  readonly attributes: readonly string[];
  /** The subject's pending timers. */
  readonly pending: readonly Timer[];
  /** The subject's profile after the event. */
  readonly profile: Profile;
  /** The bookkeeping instant (`createdAt`, `settledAt`). */
  readonly now: Instant;
  readonly newId: () => string;
}

/**
 * @example const index = timerIndex(deployment.playbooks.flatMap((p) => p.nodes));
 */
export function timerIndex(nodes: readonly CompiledNode[]): TimerIndex {
  const starts = new Map<string, Timed<DelayTimerSpec>[]>();
  const stops = new Map<string, Timed<DelayTimerSpec>[]>();
  const dates = new Map<string, Timed<DateTimerSpec>[]>();
  const specs = new Map<string, DelayTimerSpec | DateTimerSpec>();
  for (const node of nodes) {
    const spec = node.trigger.timer;
    if (spec === undefined) continue;
    specs.set(node.id, spec);
    if (spec.kind === "date") {
      push(dates, spec.attribute, { nodeId: node.id, spec });
      continue;
    }
    push(starts, spec.event, { nodeId: node.id, spec });
    for (const type of spec.unless) push(stops, type, { nodeId: node.id, spec });
  }
  return { starts, stops, dates, specs };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Whether the event can change any timer: most events cannot, and skip every read. */
export function concernsTimers(
  index: TimerIndex,
  type: string,
  attributes: readonly string[],
): boolean {
  if (index.starts.has(type) || index.stops.has(type)) return true;
  return attributes.some((name) => index.dates.has(name));
}

/**
 * The changes, in order: cancellations by `unless` events, then delays the event starts (a newer
 * start moves the pending one), then dates it moves, sets or removes.
 */
export function planTimers(index: TimerIndex, scene: TimerScene): TimerChange[] {
  const changes: TimerChange[] = [];
  const pending = new Map(scene.pending.map((timer) => [timer.nodeId, timer]));
  for (const { nodeId } of index.stops.get(scene.event.type) ?? []) {
    const timer = pending.get(nodeId);
    if (timer === undefined || !cancelledBy(timer, scene.event)) continue;
    changes.push({ op: "cancel", timer, status: "cancelled" });
    pending.delete(nodeId);
  }
  for (const timed of index.starts.get(scene.event.type) ?? []) {
    changes.push(...startDelay(timed, pending.get(timed.nodeId), scene));
  }
  for (const name of scene.attributes) {
    for (const timed of index.dates.get(name) ?? []) {
      changes.push(...setDate(timed, pending.get(timed.nodeId), scene));
    }
  }
  return changes;
}

/** An `unless` event cancels a timer only when it happened after the start and before the due. */
function cancelledBy(timer: Timer, event: AssentEvent): boolean {
  return event.occurredAt >= timer.causeAt && event.occurredAt < timer.dueAt;
}

function startDelay(
  { nodeId, spec }: Timed<DelayTimerSpec>,
  current: Timer | undefined,
  scene: TimerScene,
): TimerChange[] {
  const { event } = scene;
  // An older start arriving late never replaces the timer of a newer one.
  if (current !== undefined && current.causeAt > event.occurredAt) return [];
  const dueAt = event.occurredAt + spec.delayMs;
  const why = timerWhy(spec, event.id);
  const created = newTimer(scene, { nodeId, kind: "delay", dueAt, eventId: event.id, why }, event);
  return [...moveAway(current, "moved"), { op: "create", timer: created }];
}

function setDate(
  { nodeId, spec }: Timed<DateTimerSpec>,
  current: Timer | undefined,
  scene: TimerScene,
): TimerChange[] {
  const state = scene.profile.get(spec.attribute);
  const date = state === undefined ? undefined : dateValue(state.value);
  if (state === undefined || date === undefined) return moveAway(current, "cancelled");
  const dueAt = spec.side === "before" ? date - spec.offsetMs : date + spec.offsetMs;
  if (current !== undefined && current.dueAt === dueAt) return [];
  // The moment had already passed when the date was stated: nothing to wait for.
  if (dueAt <= state.updatedAt) return moveAway(current, "cancelled");
  const eventId = state.eventId ?? scene.event.id;
  const why = timerWhy(spec, eventId);
  const cause = { occurredAt: state.updatedAt, subjectId: scene.event.subjectId };
  const created = newTimer(scene, { nodeId, kind: "date", dueAt, eventId, why }, cause);
  return [...moveAway(current, "moved"), { op: "create", timer: created }];
}

function moveAway(current: Timer | undefined, status: "cancelled" | "moved"): TimerChange[] {
  return current === undefined ? [] : [{ op: "cancel", timer: current, status }];
}

function newTimer(
  scene: TimerScene,
  fields: Pick<Timer, "nodeId" | "kind" | "dueAt" | "eventId" | "why">,
  cause: { readonly occurredAt: Instant; readonly subjectId: string },
): Timer {
  return {
    timerId: scene.newId(),
    subjectId: cause.subjectId,
    ...fields,
    causeAt: cause.occurredAt,
    createdAt: scene.now,
    status: "pending",
  };
}
