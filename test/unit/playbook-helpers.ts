import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SourceText } from "../../src/playbook/index.ts";
import {
  type Deployment,
  formatProblem,
  loadDeploymentFromSources,
  PlaybookLoadError,
} from "../../src/playbook/index.ts";

export const FIXTURES = join(import.meta.dirname, "../fixtures/playbook");

export const CATALOG_TEXT = readFileSync(join(FIXTURES, "catalog.yaml"), "utf8");
export const POLICY_TEXT = readFileSync(join(FIXTURES, "policy.yaml"), "utf8");

/** A small valid playbook; tests break one line of it at a time. */
export const PLAYBOOK = `playbook: insurance
version: 3
nodes:
  - id: claim-status-day-3
    trigger:
      event: claim.day_elapsed
      when: claim.days_open == 3.0
    bundle: [claim.status, claim.days_open, claim.amount, subject.timezone?]
    eligibility: claim.status == "open"
    purpose: service.claim_updates
    basis: contract
    channels: [email, sms]
    actions:
      - { kind: message, template: claim-status-v2, value: 4.10, priority: 1 }
    caps:
      - { id: claim-weekly, scope: node, max: 1, per: 7d }
    quiet_hours: { start: "21:00", end: "08:00" }
`;

export interface Texts {
  readonly catalog?: string;
  readonly policy?: string;
  readonly playbooks?: readonly string[];
}

/** Sources named catalog.yaml, policy.yaml and playbooks/<n>.yaml. */
export function sources(texts: Texts) {
  const playbooks = (texts.playbooks ?? [PLAYBOOK]).map(
    (text, index): SourceText => ({
      file: `playbooks/${index === 0 ? "insurance" : index}.yaml`,
      text,
    }),
  );
  return {
    catalog: { file: "catalog.yaml", text: texts.catalog ?? CATALOG_TEXT },
    policy: { file: "policy.yaml", text: texts.policy ?? POLICY_TEXT },
    playbooks,
  };
}

/** Loads the texts, which must be valid. */
export function load(texts: Texts = {}): Deployment {
  return loadDeploymentFromSources(sources(texts));
}

/** Loads the texts, which must be invalid, and returns the formatted problems. */
export function problemsOf(texts: Texts): string[] {
  return refusal(texts).problems.map(formatProblem);
}

/** Loads the texts, which must be invalid, and returns the formatted notes on checks left out. */
export function notesOf(texts: Texts): string[] {
  return refusal(texts).notes.map(formatProblem);
}

/** The error that refuses the texts, which must be invalid. */
export function refusal(texts: Texts): PlaybookLoadError {
  try {
    loadDeploymentFromSources(sources(texts));
  } catch (error: unknown) {
    if (error instanceof PlaybookLoadError) return error;
    throw error;
  }
  throw new Error("expected the deployment to be refused, but it loaded");
}

/** The problems of the standard playbook with `from` replaced by `to`. */
export function problemsWith(from: string, to: string): string[] {
  if (!PLAYBOOK.includes(from)) throw new Error(`fixture has no ${from}`);
  return problemsOf({ playbooks: [PLAYBOOK.replace(from, to)] });
}
