import type { DecisionSummary } from "../app/assent-app.ts";
import { decideAndRecord, findNode, type RecorderDeps } from "../app/recorder.ts";
import type { AssentEvent, Instant, TimerFact, TimerFiring } from "../engine/types.ts";
import type { Store, SubjectTx } from "../store/store.ts";
import type { Timer } from "./timer.ts";
import { concernsTimers, planTimers } from "./timer-plan.ts";

/**
 * Timers in the service: the changes an event makes (in the event's transaction) and the firing
 * of due timers (each in a transaction that also records its decisions).
 */

/** Timers claimed per round; a round's firings commit together (group commit). */
const BATCH = 500;

/**
 * How long a scheduler keeps claimed timers to itself. Past it (the process died mid-round),
 * another takes them; a timer still fires once, since firing moves it from pending to fired.
 */
const LEASE_MS = 60_000;

/**
 * A firing this close to its due instant is on time: it decides as of the due instant itself.
 * A later one (the service was down, or busy) decides as of the instant it fired, so that a
 * consent withdrawn meanwhile counts; either way its decision records how late it fired.
 */
export const ON_TIME_MS = 1_000;

/**
 * Creates, moves and cancels the timers the event concerns, in the caller's transaction (after
 * its attributes were applied). Returns the timers it created.
 */
export async function applyTimerChanges(
  tx: SubjectTx,
  deps: RecorderDeps,
  event: AssentEvent,
  attributes: readonly string[],
  now: Instant,
): Promise<Timer[]> {
  const index = deps.timers;
  if (index === undefined || !concernsTimers(index, event.type, attributes)) return [];
  const [pending, profile] = await Promise.all([tx.pendingTimers(), tx.profile()]);
  const scene = { event, attributes, pending, profile, now, newId: deps.newId };
  const created: Timer[] = [];
  for (const change of planTimers(index, scene)) {
    if (change.op === "cancel") await tx.settleTimer(change.timer.timerId, change.status, now);
    else {
      await tx.createTimer(change.timer);
      created.push(change.timer);
    }
  }
  return created;
}

/**
 * Fires every timer due at `now` that no other scheduler holds, soonest first, and records the
 * decisions each firing makes.
 */
export async function fireDueTimers(
  store: Store,
  deps: RecorderDeps,
  now: Instant,
): Promise<{ readonly fired: number; readonly decisions: DecisionSummary[] }> {
  const decisions: DecisionSummary[] = [];
  let fired = 0;
  for (;;) {
    const due = await store.claimDueTimers(now, BATCH, LEASE_MS);
    if (due.length > 0) {
      const round = await fireAll(store, deps, due, now);
      fired += round.fired;
      decisions.push(...round.decisions);
    }
    if (due.length < BATCH) return { fired, decisions };
  }
}

async function fireAll(store: Store, deps: RecorderDeps, due: readonly Timer[], now: Instant) {
  const subjects = [...new Set(due.map((timer) => timer.subjectId))];
  return store.withSubjects(subjects, async (tx) => {
    const decisions: DecisionSummary[] = [];
    let fired = 0;
    for (const timer of due) {
      const made = await fireTimer(tx.subject(timer.subjectId), deps, timer, now);
      if (made === undefined) continue;
      fired += 1;
      decisions.push(...made);
    }
    return { fired, decisions };
  });
}

/**
 * Fires one timer at `now` in the caller's transaction, which holds the subject's lock: moving it
 * from pending to fired there is what makes it fire once, whatever other process tried too.
 * Undefined when it was no longer pending (fired elsewhere, cancelled or moved meanwhile).
 */
export async function fireTimer(
  tx: SubjectTx,
  deps: RecorderDeps,
  timer: Timer,
  now: Instant,
): Promise<DecisionSummary[] | undefined> {
  if (!(await tx.settleTimer(timer.timerId, "fired", now))) return undefined;
  const node = findNode(deps, timer.nodeId);
  const event = await tx.event(timer.eventId);
  // A node removed from the playbooks, or an event erased: nothing left to decide on.
  if (node === undefined || event === undefined) return [];
  const firing: TimerFiring = {
    timerId: timer.timerId,
    dueAt: timer.dueAt,
    firedAt: now,
    why: timer.why,
  };
  const at = now - timer.dueAt <= ON_TIME_MS ? timer.dueAt : now;
  return decideAndRecord(tx, deps, event, at, node, firing);
}

/** The firing a recorded decision came from, to decide it again (a deferral, a review). */
export function firingOf(fact: TimerFact | undefined): TimerFiring | undefined {
  if (fact === undefined) return undefined;
  const { timerId, dueAt, firedLateByMs, why } = fact;
  return { timerId, dueAt, firedAt: dueAt + firedLateByMs, why };
}
