import { createHash } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./postgres-tables.ts";

/**
 * Advisory transaction locks. Each lock is the pair (namespace, key) so that subject locks and
 * partition locks never collide. Two subjects whose ids hash to the same key only wait for each
 * other; correctness never depends on keys being distinct.
 *
 * Deadlock freedom: every transaction takes its subject locks first, in ascending key order,
 * then partition locks in ascending order. A single-subject transaction takes one of each.
 */

const SUBJECT_NAMESPACE = 0x5355_424a;
const PARTITION_NAMESPACE = 0x5041_5254;

/** The 32-bit signed lock key of a subject id. */
export function subjectLockKey(subjectId: string): number {
  return createHash("sha256").update(subjectId, "utf8").digest().readInt32BE(0);
}

/** Holds each subject's lock until the transaction ends, taken in a fixed order. */
export async function lockSubjects(
  trx: Transaction<Database>,
  subjectIds: readonly string[],
): Promise<void> {
  const keys = [...new Set(subjectIds.map(subjectLockKey))].sort((a, b) => a - b);
  for (const key of keys) await lock(trx, SUBJECT_NAMESPACE, key);
}

/** Holds each partition's lock until the transaction ends, taken in ascending order. */
export async function lockPartitions(
  trx: Transaction<Database>,
  partitions: readonly number[],
): Promise<void> {
  const sorted = [...new Set(partitions)].sort((a, b) => a - b);
  for (const partition of sorted) await lock(trx, PARTITION_NAMESPACE, partition);
}

async function lock(db: Kysely<Database>, namespace: number, key: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${namespace}::integer, ${key}::integer)`.execute(db);
}
