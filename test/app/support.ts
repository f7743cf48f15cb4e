import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, createApp } from "../../src/app/app.ts";
import type { Instant } from "../../src/engine/types.ts";
import type { ConsentInput, EventInput } from "../../src/ingest/input-schema.ts";
import type { Connector } from "../../src/outbox/connector.ts";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/outbox/worker.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Delivery, Store } from "../../src/store/store.ts";
import { type PostgresHarness, postgresHarness } from "../contract/postgres-support.ts";

/**
 * The application over both real stores with the offers fixture (test/fixtures/erasure): one
 * node acts at once, one defers (quiet hours 21:00–08:00 UTC), one waits for review.
 */

/** 23:00 UTC: inside the quiet hours, so `offer.quiet` defers to 08:00 the next morning. */
export const NOW: Instant = Date.parse("2026-03-02T23:00:00Z");
export const HOUR = 3_600_000;

export const deployment = loadDeploymentFromDir("test/fixtures/erasure");

/** A store under test, with what its kind needs to be looked at beneath the interface. */
export interface StoreUnderTest {
  readonly store: Store;
  /** The SQLite file, or the PostgreSQL schema. */
  readonly where: string;
}

export interface StoreKind {
  readonly label: "sqlite" | "postgres";
  open(): Promise<StoreUnderTest>;
  /** Removes every file or schema this kind opened. */
  cleanUp(): Promise<void>;
}

export function sqliteKind(): StoreKind {
  const root = mkdtempSync(join(tmpdir(), "assent-app-"));
  let count = 0;
  return {
    label: "sqlite",
    open: async () => {
      const where = join(root, `assent-${++count}.db`);
      return { store: await openSqliteStore({ path: where, now: () => NOW }), where };
    },
    cleanUp: async () => rmSync(root, { recursive: true, force: true }),
  };
}

export function postgresKind(harness: PostgresHarness = postgresHarness()): StoreKind & {
  readonly harness: PostgresHarness;
} {
  return {
    label: "postgres",
    harness,
    open: async () => {
      const store = await harness.open();
      return { store, where: harness.schemaOf(store) };
    },
    cleanUp: () => harness.dropAll(),
  };
}

/** The app on `store` with a clock the test moves. */
export function appOn(store: Store, clock: { now: Instant }): App {
  return createApp({ store, deployment, clock: () => clock.now });
}

export function event(
  id: string,
  type: string,
  subjectId: string,
  data: Record<string, unknown> = {},
  occurredAt: Instant = NOW,
): EventInput {
  const iso = new Date(occurredAt).toISOString();
  return { id, type, schemaVersion: 1, subjectId, occurredAt: iso, source: "crm", data };
}

export function consent(
  kind: ConsentInput["kind"],
  capturedAt: Instant,
  evidence = "form-2291",
): ConsentInput {
  const at = new Date(capturedAt).toISOString();
  return {
    purpose: "marketing.campaigns",
    channel: "email",
    kind,
    capturedAt: at,
    source: "web",
    evidence,
  };
}

/** A connector that records every delivery it is handed and says it was delivered. */
export function recordingConnector(): Connector & { readonly sent: Delivery[] } {
  const sent: Delivery[] = [];
  return {
    name: "file",
    sent,
    deliver: async (delivery) => {
      sent.push(delivery);
      return { outcome: "delivered", code: "ok" };
    },
  };
}

/** The outbox worker as `serve` runs it: consent asked again before each attempt. */
export function workerFor(
  app: App,
  store: Store,
  connector: Connector,
  clock: { now: Instant },
): DeliveryWorker {
  return createDeliveryWorker({
    store,
    connectors: new Map([[connector.name, connector]]),
    clock: () => clock.now,
    batch: 50,
    leaseMs: 60_000,
    backoff: { baseMs: 1000, capMs: 60_000, maxAttempts: 3 },
    recheck: (delivery) => app.recheckDelivery(delivery),
  });
}
