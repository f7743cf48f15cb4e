import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app/app.ts";
import type { Instant } from "../../src/engine/types.ts";
import type { ApiKey } from "../../src/http/http-config.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";

/**
 * The ecosystem integrations over the real application: the starter catalog and playbooks, a
 * SQLite file, and the HTTP server listening on loopback so that real clients can reach it.
 */

/** A Segment write key: an API key with scope ingest, as configuration holds it. */
export const WRITE_KEY: ApiKey = {
  id: "segment-source",
  secret: "wk_segment_0123456789abcdefghijklmn",
  scopes: ["ingest"],
};

export const INGEST_KEY: ApiKey = {
  id: "crm",
  secret: "ingest-secret-0123456789abcdefghij",
  scopes: ["ingest"],
};

/** A key that may read but not ingest: a write key must have scope ingest. */
export const READ_KEY: ApiKey = {
  id: "bi",
  secret: "read-secret-0123456789abcdefghijkl",
  scopes: ["read"],
};

export interface Service {
  readonly store: Store;
  readonly server: HttpServer;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Lines the service logged, raw. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** Starts Assent on a fresh SQLite file with the starter deployment, deciding as of `clock`. */
export async function startService(clock: () => Instant = Date.now): Promise<Service> {
  const root = mkdtempSync(join(tmpdir(), "assent-ecosystem-"));
  const store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line) => logs.push(line) },
  });
  const app = createApp({ store, deployment: loadDeploymentFromDir("examples"), clock, logger });
  const keys = [WRITE_KEY, INGEST_KEY, READ_KEY].map((key) => ({
    ...key,
    scopes: [...key.scopes],
  }));
  const server = createHttpServer({ app, config: { keys }, logger });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    store,
    server,
    url,
    logs,
    close: async () => {
      await server.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Asserts that nothing about the subject was written: no event, no profile attribute, no
 * consent record, suppression or GPC signal, and no decision.
 */
export async function assertNothingWritten(store: Store, subjectId: string): Promise<void> {
  assert.deepEqual(await store.eventsOf(subjectId), [], "no event is stored");
  assert.equal((await store.profile(subjectId)).size, 0, "the profile is unchanged");
  const view = await store.consentView(subjectId);
  assert.deepEqual(view.records, [], "no consent record is stored");
  assert.deepEqual(view.suppressions, [], "no suppression is stored");
  assert.equal(view.gpcSince, undefined, "no GPC signal is stored");
  assert.deepEqual(await store.decisionsOf(subjectId, 10), [], "no decision is recorded");
}

/** The Authorization header Segment's libraries send: the write key as Basic user name. */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
}

/** An RFC 9457 problem document's pointers. */
export function pointersOf(problem: { errors: { pointer: string }[] }): string[] {
  return problem.errors.map((error) => error.pointer);
}
