import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Instant } from "../../src/engine/types.ts";
import type { LogFields, OutboxLogger } from "../../src/outbox/worker.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Delivery, NewDelivery, Store } from "../../src/store/store.ts";

/** Helpers for outbox tests: a real SQLite store in a temp folder, a real HTTP peer, a clock. */

export const T0: Instant = Date.UTC(2026, 0, 5, 9);

export interface TestStore {
  readonly store: Store;
  readonly path: string;
  enqueue(...deliveries: NewDelivery[]): Promise<void>;
  close(): Promise<void>;
}

/** A fresh SQLite store in its own temp folder, removed on close. */
export async function openTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), "assent-outbox-"));
  const path = join(dir, "assent.db");
  const store = await openSqliteStore({ path, now: () => T0 });
  return {
    store,
    path,
    enqueue: async (...deliveries) => {
      for (const delivery of deliveries) {
        await store.withSubject(delivery.subjectId, (tx) => tx.enqueueDelivery(delivery));
      }
    },
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A pending delivery for the webhook connector, due at T0, with a payload naming a person. */
export function newDelivery(id: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    deliveryId: `del-${id}`,
    idempotencyKey: `claim-status-day-3:sub-${id}:evt-${id}`,
    decisionId: `dec-${id}`,
    subjectId: `sub-${id}`,
    connector: "webhook",
    recipient: `person-${id}@example.com`,
    payload: JSON.stringify({ template: "claim-status-v2", firstName: "Ana" }),
    dueAt: T0,
    ...overrides,
  };
}

/** The same, as a claimed row, for connector tests that need no store. */
export function claimed(id: string, overrides: Partial<NewDelivery> = {}): Delivery {
  return { ...newDelivery(id, overrides), status: "pending", attempts: 0 };
}

/** A clock the test moves by hand. */
export function manualClock(start: Instant = T0) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

// ---------------------------------------------------------------- the webhook peer

/** One request as the peer saw it. */
export interface PeerRequest {
  readonly method: string;
  readonly headers: IncomingMessage["headers"];
  readonly deliveryId: string;
  readonly idempotencyKey: string;
  readonly recipient: string;
  readonly body: Record<string, unknown>;
}

export interface PeerReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Held back this long before answering. */
  readonly delayMs?: number;
}

export type Respond = (request: PeerRequest, seen: readonly PeerRequest[]) => PeerReply;

export interface Peer {
  readonly url: string;
  readonly requests: PeerRequest[];
  /** Requests answered with a 2xx, by delivery id. */
  accepted(): Map<string, number>;
  close(): Promise<void>;
}

/** The outside world: a real HTTP server on 127.0.0.1 that answers as `respond` says. */
export async function startPeer(respond: Respond): Promise<Peer> {
  const requests: PeerRequest[] = [];
  const accepted = new Map<string, number>();
  const server = createServer((req, res) => {
    void handle(req, res, requests, accepted, respond);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/assent`,
    requests,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requests: PeerRequest[],
  accepted: Map<string, number>,
  respond: Respond,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
  const request: PeerRequest = {
    method: req.method ?? "",
    headers: req.headers,
    deliveryId: String(body.deliveryId),
    idempotencyKey: String(req.headers["idempotency-key"]),
    recipient: String(body.recipient),
    body,
  };
  requests.push(request);
  const reply = respond(request, requests);
  if (reply.delayMs !== undefined) await sleep(reply.delayMs);
  if (reply.status >= 200 && reply.status < 300) {
    accepted.set(request.deliveryId, (accepted.get(request.deliveryId) ?? 0) + 1);
  }
  res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
  res.end("a body that may name Ana");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition` holds, polling every few ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

// ---------------------------------------------------------------- logs

export interface LogLine {
  readonly level: string;
  readonly fields: LogFields;
  readonly message: string;
}

/** A logger that keeps every line, to check what reaches the log. */
export function recordingLogger(): OutboxLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (fields: LogFields, message: string) => {
    lines.push({ level, fields, message });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
