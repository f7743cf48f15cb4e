import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Delivery } from "../store/store.ts";
import { type Connector, type DeliveryResult, deliveryEnvelope, errorCode } from "./connector.ts";

export interface FileConnectorOptions {
  /** The connector name deliveries refer to; "file" unless given. */
  readonly name?: string;
  /** A JSON Lines file; its folder is created on opening, the file on the first delivery. */
  readonly path: string;
}

/**
 * Opens a connector that appends one JSON line per delivery to a local file, for trying Assent
 * without a peer. It is idempotent across restarts: on opening it reads which idempotency keys
 * each recipient already has, and it never writes the same (key, recipient) twice, answering
 * `already_delivered` instead. Writes are serialised, so concurrent workers of one process are
 * safe; two processes must not share a file.
 *
 * @example
 * const file = await openFileConnector({ path: "data/deliveries.jsonl" });
 */
export async function openFileConnector(options: FileConnectorOptions): Promise<Connector> {
  await mkdir(dirname(options.path), { recursive: true });
  const existing = await readExisting(options.path);
  const journal = new Journal(options.path, existing.seen, existing.endsMidLine);
  let queue: Promise<unknown> = Promise.resolve();

  return {
    name: options.name ?? "file",
    deliver(delivery) {
      const next = queue.then(() => journal.write(delivery));
      queue = next;
      return next;
    },
  };
}

/** The (recipient → keys) already in the file, and whether a torn last line lacks its newline. */
interface Existing {
  readonly seen: Map<string, Set<string>>;
  readonly endsMidLine: boolean;
}

class Journal {
  constructor(
    private readonly path: string,
    private readonly seen: Map<string, Set<string>>,
    private endsMidLine: boolean,
  ) {}

  /** Never rejects: an I/O failure is a transient outcome. */
  async write(delivery: Delivery): Promise<DeliveryResult> {
    const keys = this.seen.get(delivery.recipient) ?? new Set<string>();
    if (keys.has(delivery.idempotencyKey))
      return { outcome: "delivered", code: "already_delivered" };

    const line = deliveryEnvelope(delivery);
    if (line === undefined) return { outcome: "permanent", code: "bad_payload" };

    try {
      // A torn line left by a crash is closed first, so this line stays parseable.
      await appendFile(this.path, `${this.endsMidLine ? "\n" : ""}${line}\n`, "utf8");
    } catch (error: unknown) {
      return { outcome: "transient", code: errorCode(error, "io_error") };
    }

    this.endsMidLine = false;
    keys.add(delivery.idempotencyKey);
    this.seen.set(delivery.recipient, keys);
    return { outcome: "delivered", code: "written" };
  }
}

async function readExisting(path: string): Promise<Existing> {
  const text = await readOrEmpty(path);
  const seen = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const entry = parseEntry(line);
    if (entry === undefined) continue;
    const keys = seen.get(entry.recipient) ?? new Set<string>();
    keys.add(entry.idempotencyKey);
    seen.set(entry.recipient, keys);
  }
  return { seen, endsMidLine: text.length > 0 && !text.endsWith("\n") };
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error: unknown) {
    if (errorCode(error, "") === "enoent") return "";
    throw error;
  }
}

/** The key and recipient of one line; undefined for a blank, torn or foreign line. */
function parseEntry(line: string): { recipient: string; idempotencyKey: string } | undefined {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (!("recipient" in value) || !("idempotencyKey" in value)) return undefined;
  const { recipient, idempotencyKey } = value;
  if (typeof recipient !== "string" || typeof idempotencyKey !== "string") return undefined;
  return { recipient, idempotencyKey };
}
