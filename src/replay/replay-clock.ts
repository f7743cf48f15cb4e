import type { DecisionSummary } from "../app/assent-app.ts";
import type { RecorderDeps } from "../app/recorder.ts";
import { tickHeld } from "../app/scheduler.ts";
import type { Instant } from "../engine/types.ts";
import type { DueWork, StoreTx } from "../store/store.ts";

/**
 * The replayed clock inside one replay group's transaction. Before each item, every timer and
 * deferral due by the item's instant comes due at its own instant, soonest first (those that
 * firings and re-decisions create included), and reviews expire at those instants: what a clock
 * ticking between single-item transactions would do. The group's transaction holds the subjects
 * of all work due by its last item, so nothing waits for another transaction, and the decision
 * log is the same whatever the group size.
 */
export class ReplayClock {
  /**
   * Instants at which held work may come due, soonest first: read at the start, then noted as
   * items and firings create work. Work cancelled since leaves its instant here, so an instant
   * is only a cue to look: what is due is always read afresh in the transaction.
   */
  readonly #cues: Instant[];

  private constructor(
    private readonly tx: StoreTx,
    private readonly deps: RecorderDeps,
    private readonly onFired: (decisions: readonly DecisionSummary[]) => void,
    due: DueWork,
  ) {
    this.#cues = [...due.timers, ...due.deferrals].map((work) => work.dueAt).sort(ascending);
  }

  /** The clock of a group whose items run up to `until`, from the work due by then. */
  static async start(
    tx: StoreTx,
    deps: RecorderDeps,
    until: Instant,
    onFired: (decisions: readonly DecisionSummary[]) => void,
  ): Promise<ReplayClock> {
    return new ReplayClock(tx, deps, onFired, await tx.dueWork(until));
  }

  /** Brings the clock to `at`: whatever is due by then happens first, each at its instant. */
  async advanceTo(at: Instant): Promise<void> {
    for (let cue = this.#cues[0]; cue !== undefined && cue <= at; cue = this.#cues[0]) {
      const due = await this.tx.dueWork(cue);
      const now = Math.min(soonestOf(due), cue);
      this.#passed(now);
      if (soonestOf(due) > now) continue;
      const decisions = await tickHeld(this.tx, this.deps, now, due);
      this.noteDecisions(decisions);
      this.onFired(decisions);
    }
  }

  /** Work an item created: a timer due at `dueAt`. */
  noteTimer(dueAt: Instant): void {
    this.#cue(dueAt);
  }

  /** Deferrals the decisions made come due at their `deferUntil`. */
  noteDecisions(decisions: readonly DecisionSummary[]): void {
    for (const { deferUntil } of decisions) {
      if (deferUntil !== undefined) this.#cue(Date.parse(deferUntil));
    }
  }

  #cue(at: Instant): void {
    const index = this.#cues.findIndex((cue) => cue > at);
    if (index === -1) this.#cues.push(at);
    else this.#cues.splice(index, 0, at);
  }

  /** Drops the cues up to `now`: all work due by then is about to be (or was) done. */
  #passed(now: Instant): void {
    let count = 0;
    while (count < this.#cues.length && (this.#cues[count] ?? now) <= now) count += 1;
    this.#cues.splice(0, count);
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** The soonest instant a timer or deferral of `due` comes due; infinity when none does. */
function soonestOf(due: DueWork): Instant {
  const timer = due.timers[0]?.dueAt ?? Number.POSITIVE_INFINITY;
  const deferral = due.deferrals[0]?.dueAt ?? Number.POSITIVE_INFINITY;
  return Math.min(timer, deferral);
}
