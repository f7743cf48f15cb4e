import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { createApp } from "../../src/app/app.ts";
import type { AssentApp, IngestOutcome } from "../../src/app/assent-app.ts";
import type { ConsentRecord, Decision } from "../../src/engine/types.ts";
import type { HttpConfig } from "../../src/http/http-config.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Review, Store, StoredDecision } from "../../src/store/store.ts";
import type { Timer } from "../../src/timers/timer.ts";

/**
 * Test support for the HTTP layer. The application is the outside world to this layer, so the
 * tests use a double that records every call and answers with small valid defaults; a test
 * overrides a method to return another outcome or to throw.
 */

export const T0 = Date.parse("2026-03-02T09:00:00Z");

/** Keys by role; secrets are 32+ characters as configuration requires. */
export const KEYS = {
  ingest: { id: "crm", secret: "ingest-secret-0123456789abcdefghij", scopes: ["ingest"] },
  decide: { id: "sim", secret: "decide-secret-0123456789abcdefghij", scopes: ["decide"] },
  consent: { id: "cmp", secret: "consent-secret-0123456789abcdefghi", scopes: ["consent"] },
  review: { id: "ops", secret: "review-secret-0123456789abcdefghij", scopes: ["review"] },
  read: { id: "bi", secret: "read-secret-0123456789abcdefghijkl", scopes: ["read"] },
  admin: { id: "root", secret: "admin-secret-0123456789abcdefghijk", scopes: ["admin"] },
} as const satisfies Record<string, HttpConfig["keys"][number]>;

export type Role = keyof typeof KEYS;

/** The Authorization header of a role's key. */
export function auth(role: Role): { authorization: string } {
  return { authorization: `Bearer ${KEYS[role].secret}` };
}

/** A valid event as clients send it. */
export function eventBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "e-1",
    type: "claim.opened",
    subjectId: "s-1",
    occurredAt: "2026-03-01T10:00:00Z",
    source: "claims",
    data: { "claim.amount": 1200 },
    ...overrides,
  };
}

/** A valid consent record as clients send it. */
export function consentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purpose: "marketing.campaigns",
    channel: "email",
    kind: "grant",
    capturedAt: "2026-03-01T10:00:00Z",
    source: "preference-centre",
    evidence: "form-17",
    ...overrides,
  };
}

export function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    nodeId: "claim-status-day-3",
    playbook: "insurance",
    subjectId: "s-1",
    eventId: "e-1",
    decidedAt: T0,
    outcome: "act",
    reason: "eligible",
    purpose: "service.claim_updates",
    basis: "contract",
    steps: [
      { step: "trigger", verdict: "pass", evidence: ["e-1"], attributes: [], detail: "matched" },
    ],
    sentence: "We contacted you because every check for this message passed.",
    versions: { release: "insurance@3", playbook: 3 },
    ...overrides,
  };
}

export function review(overrides: Partial<Review> = {}): Review {
  return {
    reviewId: "r-1",
    subjectId: "s-1",
    decisionId: "d-1",
    nodeId: "claim-status-day-3",
    eventId: "e-1",
    openedAt: T0,
    expiresAt: T0 + 48 * 3_600_000,
    status: "pending",
    ...overrides,
  };
}

export function timer(overrides: Partial<Timer> = {}): Timer {
  return {
    timerId: "t-1",
    subjectId: "s-1",
    nodeId: "claim-status-day-3",
    kind: "delay",
    dueAt: T0 + 72 * 3_600_000,
    eventId: "e-1",
    causeAt: T0,
    why: "3d after claim.opened e-1, unless claim.closed first",
    createdAt: T0,
    status: "pending",
    ...overrides,
  };
}

export interface Call {
  readonly method: keyof AssentApp;
  readonly args: readonly unknown[];
}

function accepted(events: readonly EventInput[]): IngestOutcome[] {
  return events.map((event) => ({ eventId: event.id, status: "accepted", decisions: [] }));
}

function defaults(): AssentApp {
  const stored: StoredDecision = { decisionId: "d-1", partition: 3, seq: 7, decision: decision() };
  return {
    ingest: async (events) => accepted(events),
    validate: async () => [],
    ingestSegment: async (calls) =>
      calls.map((call) => ({ messageId: call.messageId, status: "accepted", decisions: [] })),
    dryRun: async () => [decision()],
    recordConsent: async (subjectId, input): Promise<ConsentRecord> => ({
      ...input,
      id: input.id ?? "c-1",
      subjectId,
      capturedAt: Date.parse(input.capturedAt),
      expiresAt: input.expiresAt === undefined ? undefined : Date.parse(input.expiresAt),
    }),
    consent: async (subjectId) => ({ subjectId, records: [], suppressions: [], contacts: {} }),
    decisionsOf: async () => [stored],
    decision: async (decisionId) => (decisionId === "d-1" ? stored : undefined),
    reviews: async () => [review()],
    settleReview: async (reviewId, verdict) => review({ reviewId, status: verdict, settledAt: T0 }),
    eraseSubject: async (subjectId, at) => ({
      subjectId,
      erasedAt: at,
      alreadyErased: false,
      deleted: { events: 0, attributes: 0, consentEvidence: 0 },
      cancelled: { deferrals: 0, reviews: 0, deliveries: 0, timers: 0 },
    }),
    timersOf: async (subjectId) => [timer({ subjectId })],
    tick: async () => ({ timers: 0, deferrals: 0, expiredReviews: 0, decisions: [] }),
    ready: async () => true,
    close: async () => {},
  };
}

/** An AssentApp double: `overrides` replace methods; every call is recorded in `calls`. */
export function appDouble(overrides: Partial<AssentApp> = {}): {
  app: AssentApp;
  calls: Call[];
} {
  const calls: Call[] = [];
  const inner: AssentApp = { ...defaults(), ...overrides };
  const app = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") {
        return value;
      }
      return (...args: unknown[]) => {
        calls.push({ method: property as keyof AssentApp, args });
        return value.apply(target, args);
      };
    },
  });
  return { app, calls };
}

/** Log output kept in memory: raw lines and parsed objects. */
export interface CapturedLogs {
  readonly raw: string[];
  lines(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs & { logger: ReturnType<typeof createLogger> } {
  const raw: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (line) => raw.push(line) } });
  return {
    raw,
    logger,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface Harness {
  readonly server: HttpServer;
  readonly calls: Call[];
  readonly logs: CapturedLogs;
}

/** A server over an app double with every role's key, logging at trace into memory. */
export function harness(
  overrides: Partial<AssentApp> = {},
  config: Partial<HttpConfig> = {},
): Harness {
  const { app, calls } = appDouble(overrides);
  const logs = captureLogs();
  const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
  const server = createHttpServer({ app, config: { keys, ...config }, logger: logs.logger });
  return { server, calls, logs };
}

/** The `request completed` line of the request with this id. */
export function requestLine(logs: CapturedLogs, reqId: string): Record<string, unknown> {
  const line = logs.lines().find((l) => l.reqId === reqId && l.msg === "request completed");
  if (line === undefined) {
    throw new Error(`no request line for ${reqId}`);
  }
  return line;
}

/** Calls of one method. */
export function callsOf(calls: readonly Call[], method: keyof AssentApp): Call[] {
  return calls.filter((call) => call.method === method);
}

/** A problem document as the tests read it. */
export interface Problem {
  readonly code: string;
  readonly detail: string;
  readonly errors: readonly { readonly pointer: string; readonly detail: string }[];
}

/** The real application and server over a fresh SQLite file, for one test file. */
export interface RealApp {
  /** The test file's own folder, removed after its tests. */
  readonly root: string;
  readonly server: HttpServer;
  readonly store: Store;
  /** What the app and the server logged. */
  readonly logs: CapturedLogs;
}

/**
 * The real application (starter playbooks, a fresh SQLite file, the clock fixed at `now`) behind
 * the real server with every role's key: opened before the file's tests, closed after them.
 */
export function onRealApp(name: string, now: number): RealApp {
  const root = mkdtempSync(join(tmpdir(), `assent-${name}-`));
  const held: { server?: HttpServer; store?: Store } = {};
  const logs = captureLogs();
  before(async () => {
    const store = await openSqliteStore({ path: join(root, "assent.db") });
    await store.migrate();
    const { logger } = logs;
    const deployment = loadDeploymentFromDir("examples");
    const app = createApp({ store, deployment, clock: () => now, logger });
    const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
    Object.assign(held, { store, server: createHttpServer({ app, config: { keys }, logger }) });
  });
  after(async () => {
    await held.server?.close();
    await held.store?.close();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root,
    logs,
    get server() {
      if (held.server === undefined) throw new Error("the server opens in before()");
      return held.server;
    },
    get store() {
      if (held.store === undefined) throw new Error("the store opens in before()");
      return held.store;
    },
  };
}
