import type { App } from "../../src/app/app.ts";
import { createApp } from "../../src/app/app.ts";
import type { Instant } from "../../src/engine/types.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import type { Store } from "../../src/store/store.ts";

export const deployment = loadDeploymentFromDir("examples");
export const CLAIM_NODE = "claim-status-day-3";
export const RENEWAL_NODE = "renewal-reminder-90d";

/** An app on `store` whose clock reads `clock.now`. */
export function appOn(store: Store, clock: { now: Instant }): App {
  return createApp({ store, deployment, clock: () => clock.now });
}

let counter = 0;

/** An event as POST /v1/events takes it. */
export function eventAt(
  subjectId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown> = {},
): EventInput {
  counter += 1;
  return {
    id: `e-${counter}`,
    type,
    schemaVersion: 1,
    subjectId,
    occurredAt,
    source: "test",
    data,
  };
}

export function claimOpened(subjectId: string, occurredAt: string): EventInput {
  const data = {
    "claim.status": "open",
    "claim.next_step": "assessor_review",
    "claim.amount": 900,
  };
  return eventAt(subjectId, "claim.opened", occurredAt, data);
}

export const at = (iso: string) => Date.parse(iso);
