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
   * No held work is due before this instant. It only ever errs early (work cancelled since),
   * and then a read in the transaction corrects it.
   */
  #soonest: Instant;

  private constructor(
    private readonly tx: StoreTx,
    private readonly deps: RecorderDeps,
    /** The group's last instant: no item asks for the clock beyond it. */
    private readonly until: Instant,
    private readonly onFired: (decisions: readonly DecisionSummary[]) => void,
    due: DueWork,
  ) {
    this.#soonest = soonestOf(due);
  }

  /** The clock of a group whose items run up to `until`, from the work due by then. */
  static async start(
    tx: StoreTx,
    deps: RecorderDeps,
    until: Instant,
    onFired: (decisions: readonly DecisionSummary[]) => void,
  ): Promise<ReplayClock> {
    return new ReplayClock(tx, deps, until, onFired, await tx.dueWork(until));
  }

  /** Brings the clock to `at`: whatever is due by then happens first, each at its instant. */
  async advanceTo(at: Instant): Promise<void> {
    while (this.#soonest <= at) {
      const due = await this.tx.dueWork(this.until);
      const now = soonestOf(due);
      this.#soonest = now;
      if (now > at) return;
      const decisions = await tickHeld(this.tx, this.deps, now, due);
      this.noteDecisions(decisions);
      this.onFired(decisions);
    }
  }

  /** Work an item created: a timer due at `dueAt`. */
  noteTimer(dueAt: Instant): void {
    this.#soonest = Math.min(this.#soonest, dueAt);
  }

  /** Deferrals the decisions made come due at their `deferUntil`. */
  noteDecisions(decisions: readonly DecisionSummary[]): void {
    for (const { deferUntil } of decisions) {
      if (deferUntil !== undefined) this.#soonest = Math.min(this.#soonest, Date.parse(deferUntil));
    }
  }
}

/** The soonest instant a timer or deferral of `due` comes due; infinity when none does. */
function soonestOf(due: DueWork): Instant {
  const timer = due.timers[0]?.dueAt ?? Number.POSITIVE_INFINITY;
  const deferral = due.deferrals[0]?.dueAt ?? Number.POSITIVE_INFINITY;
  return Math.min(timer, deferral);
}
