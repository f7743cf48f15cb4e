import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app/app.ts";
import type { IngestOutcome } from "../../src/app/assent-app.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createTrustLinks, type TrustLinks } from "../../src/trust/links.ts";
import { createTrustService, type TrustService } from "../../src/trust/trust-service.ts";

/**
 * The preference centre over the real application, the starter playbooks and a SQLite file,
 * with a clock the test moves. Shared by the HTTP tests and the browser tests.
 */

/** Monday 2 March 2026, 10:00 UTC: outside the retail campaign's quiet hours. */
export const WORLD_T0 = Date.parse("2026-03-02T10:00:00Z");
export const LINK_SECRET = "a-test-link-secret-for-the-preference-centre";
export const ADMIN_SECRET = "admin-secret-0123456789abcdefghijk";

export interface TrustWorld {
  readonly store: Store;
  readonly server: HttpServer;
  readonly trust: TrustService;
  readonly links: TrustLinks;
  readonly clock: { ms: number };
  readonly logLines: string[];
  /** Ingests events through the application (as `POST /v1/events` does). */
  ingest(events: readonly EventInput[]): Promise<IngestOutcome[]>;
  close(): Promise<void>;
}

/**
 * Builds a world whose links point at `publicUrl` (the browser tests pass the address the
 * server will listen on, so forms post to the same origin).
 */
export async function openTrustWorld(publicUrl = "http://127.0.0.1:3000"): Promise<TrustWorld> {
  const dir = mkdtempSync(join(tmpdir(), "assent-trust-"));
  const store = await openSqliteStore({ path: join(dir, "assent.db") });
  await store.migrate();
  const clock = { ms: WORLD_T0 };
  const now = () => clock.ms;
  const logLines: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (l) => logLines.push(l) } });
  const deployment = loadDeploymentFromDir("examples");
  const app = createApp({ store, deployment, clock: now, logger });
  const links = createTrustLinks({ secret: LINK_SECRET, publicUrl, now: () => new Date(clock.ms) });
  let id = 0;
  const newId = () => `trust-${++id}`;
  const targets = [{ connector: "file", recipient: "outbox" }];
  const trust = createTrustService({ app, store, deployment, links, clock: now, newId, targets });
  const keys = [{ id: "root", secret: ADMIN_SECRET, scopes: ["admin" as const] }];
  const server = createHttpServer({ app, config: { keys }, logger, trust });
  return {
    store,
    server,
    trust,
    links,
    clock,
    logLines,
    ingest: (events) => app.ingest(events),
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Personal data the seeded subject's events carry; none may ever reach a log line. */
export const SEEDED_PERSONAL = { zip: "Rural" };

/**
 * A retail customer who opted in to campaign e-mail on 1 March, is reachable by e-mail in
 * Germany and has a fresh profile: the weekly campaign slot may act for them.
 */
export async function seedCustomer(world: TrustWorld, subjectId: string): Promise<void> {
  const at = new Date(world.clock.ms - 3_600_000).toISOString();
  await world.ingest([
    event(`${subjectId}-contact`, subjectId, "contact.updated", at, {
      channel: "email",
      jurisdiction: "DE",
    }),
    event(`${subjectId}-profile`, subjectId, "retail.profile_refreshed", at, {
      "retail.recency": 2,
      "retail.history": 180.5,
      "retail.mens": false,
      "retail.womens": true,
      "retail.zip_code": SEEDED_PERSONAL.zip,
      "retail.newbie": false,
      "retail.channel": "Web",
      "loyalty.tier": "gold",
      "loyalty.points": 1200,
      "loyalty.tier_expiry": "2026-06-30T00:00:00Z",
    }),
  ]);
  await world.store.withSubject(subjectId, (tx) =>
    tx.appendConsent({
      id: `${subjectId}-grant`,
      subjectId,
      purpose: "marketing.campaigns",
      channel: "email",
      kind: "grant",
      capturedAt: Date.parse("2026-03-01T09:00:00Z"),
      source: "signup_form",
      evidence: "form-7",
    }),
  );
}

/** The weekly campaign slot for a subject: the event the retail campaign node decides on. */
export function campaignSlot(id: string, subjectId: string, at: number): EventInput {
  return event(id, subjectId, "campaign.slot_opened", new Date(at).toISOString(), {});
}

function event(
  id: string,
  subjectId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown>,
): EventInput {
  return { id, type, schemaVersion: 1, subjectId, occurredAt, source: "crm", data };
}

/** A free port on 127.0.0.1, so that links can name the address before the server listens. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}
