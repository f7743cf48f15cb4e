import type { Decision } from "../engine/types.ts";

const VERDICT_MARK = { pass: "ok  ", fail: "FAIL", skip: "--  " } as const;

/** A decision and its explanation as lines a person reads. */
export function renderDecision(decision: Decision): string {
  const when = new Date(decision.decidedAt).toISOString();
  const action =
    decision.action === undefined
      ? ""
      : ` ${decision.action.kind} ${decision.action.template} by ${decision.action.channel}`;
  const until =
    decision.deferUntil === undefined
      ? ""
      : ` until ${new Date(decision.deferUntil).toISOString()}`;
  const lines = [
    `${when} ${decision.nodeId}: ${decision.outcome} (${decision.reason})${action}${until}`,
    `  "${decision.sentence}"`,
    `  versions: ${versions(decision)}`,
  ];
  for (const step of decision.steps) {
    const evidence = step.evidence.length === 0 ? "" : ` [${step.evidence.join(", ")}]`;
    lines.push(`  ${VERDICT_MARK[step.verdict]} ${step.step.padEnd(12)} ${step.detail}${evidence}`);
  }
  return lines.join("\n");
}

/** `release retail@1, playbook v1, model category-visit@1.0.0+seed.1`: what decided. */
function versions(decision: Decision): string {
  const { release, playbook, model } = decision.versions;
  const modelPart = model === undefined ? "" : `, model ${model}`;
  return `release ${release}, playbook ${decision.playbook} v${playbook}${modelPart}`;
}
