import { createHash } from "node:crypto";

/**
 * The decision log's hash chains. Each record's hash covers the previous record's hash and
 * the record's canonical JSON, so changing, removing, inserting or reordering any record breaks
 * every hash after it. One chain per partition (a hash of subjectId modulo a fixed count), so
 * writers of different subjects rarely contend on one chain head.
 */

/** Fixed for the life of a log: changing it would move subjects between chains. */
export const PARTITION_COUNT = 16;

/** The previous hash of a partition's first record. */
export const GENESIS_HASH = "0".repeat(64);

/** The partition of a subject's decisions. */
export function partitionOf(subjectId: string, count = PARTITION_COUNT): number {
  const digest = createHash("sha256").update(subjectId, "utf8").digest();
  return digest.readUInt32BE(0) % count;
}

/**
 * JSON with object keys sorted at every level and `undefined` members left out, so that the
 * same record always serialises to the same bytes.
 *
 * @example canonicalJson({ b: 1, a: [true, { d: null, c: "x" }] }) // '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member: unknown = Reflect.get(value, key);
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

/** SHA-256 (hex) over the previous hash and the canonical body. */
export function chainHash(prevHash: string, body: string): string {
  return createHash("sha256")
    .update(prevHash, "utf8")
    .update("\n")
    .update(body, "utf8")
    .digest("hex");
}

/** The canonical body of a log record: what its hash covers. */
export function logBody(entry: {
  readonly decisionId: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly recordedAt: number;
  readonly decision: unknown;
}): string {
  const { decisionId, traceId, spanId, recordedAt, decision } = entry;
  return canonicalJson({ decisionId, traceId, spanId, recordedAt, decision });
}
