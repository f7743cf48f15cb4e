import { isReasonCode, REASONS, type ReasonCode } from "../engine/reasons.ts";
import type { Decision, Outcome } from "../engine/types.ts";

/** Decisions counted per node, by outcome and by reason. */
export interface NodeTally {
  readonly nodeId: string;
  total: number;
  readonly outcomes: Partial<Record<Outcome, number>>;
  readonly reasons: Partial<Record<ReasonCode, number>>;
}

/** What the tally reads of a decision; `timer` is set on the decisions a timer caused. */
export type TalliedDecision = Pick<Decision, "nodeId" | "outcome" | "reason"> & {
  readonly timer?: { readonly timerId: string };
};

export class DecisionTally {
  private readonly nodes = new Map<string, NodeTally>();
  /** Per node, the timers that fired (a deferred firing decided again counts once). */
  private readonly fired = new Map<string, Set<string>>();

  add(decision: TalliedDecision): void {
    if (decision.timer !== undefined) this.addFiring(decision.nodeId, decision.timer.timerId);
    let tally = this.nodes.get(decision.nodeId);
    if (tally === undefined) {
      tally = { nodeId: decision.nodeId, total: 0, outcomes: {}, reasons: {} };
      this.nodes.set(decision.nodeId, tally);
    }
    tally.total += 1;
    tally.outcomes[decision.outcome] = (tally.outcomes[decision.outcome] ?? 0) + 1;
    tally.reasons[decision.reason] = (tally.reasons[decision.reason] ?? 0) + 1;
  }

  rows(): readonly NodeTally[] {
    return [...this.nodes.values()];
  }

  /**
   * How many timers of the node fired: its stall nudges, reminders or day-3 updates, whatever
   * each decision then was (act, holdout, suppress ...).
   */
  timerFirings(nodeId: string): number {
    return this.fired.get(nodeId)?.size ?? 0;
  }

  private addFiring(nodeId: string, timerId: string): void {
    const timers = this.fired.get(nodeId);
    if (timers === undefined) this.fired.set(nodeId, new Set([timerId]));
    else timers.add(timerId);
  }

  /** The timer section of the table: one line per time-triggered node. */
  private renderFirings(): string[] {
    if (this.fired.size === 0) return [];
    const lines = ["", `${"timers fired".padEnd(32)}${"fired".padStart(8)}`];
    for (const [nodeId, timers] of this.fired) {
      lines.push(`${nodeId.padEnd(32)}${String(timers.size).padStart(8)}`);
    }
    return lines;
  }

  /** A plain-text table: one line per node, then its reasons indented. */
  render(): string {
    const lines: string[] = [];
    const outcomes: Outcome[] = ["act", "defer", "suppress", "review", "holdout", "abstain"];
    lines.push(
      ["node".padEnd(32), "total".padStart(8), ...outcomes.map((o) => o.padStart(9))].join(""),
    );
    for (const tally of this.rows()) {
      const counts = outcomes.map((outcome) => String(tally.outcomes[outcome] ?? 0).padStart(9));
      lines.push([tally.nodeId.padEnd(32), String(tally.total).padStart(8), ...counts].join(""));
      for (const [reason, count] of Object.entries(tally.reasons)) {
        const meaning = isReasonCode(reason) ? REASONS[reason].meaning : "";
        lines.push(`    ${reason.padEnd(22)}${String(count).padStart(8)}  ${meaning}`);
      }
    }
    return [...lines, ...this.renderFirings()].join("\n");
  }
}
