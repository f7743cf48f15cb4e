import { isReasonCode, REASONS, type ReasonCode } from "../engine/reasons.ts";
import type { Decision, Outcome } from "../engine/types.ts";

/** Decisions counted per node, by outcome and by reason. */
export interface NodeTally {
  readonly nodeId: string;
  total: number;
  readonly outcomes: Partial<Record<Outcome, number>>;
  readonly reasons: Partial<Record<ReasonCode, number>>;
}

export class DecisionTally {
  private readonly nodes = new Map<string, NodeTally>();

  add(decision: Pick<Decision, "nodeId" | "outcome" | "reason">): void {
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
    return lines.join("\n");
  }
}
