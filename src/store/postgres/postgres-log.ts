import { type Kysely, sql } from "kysely";
import { type LogOpener, storedDecisionOf } from "../log-records.ts";
import type { LogHead, LogRecord, StoredDecision } from "../store.ts";
import { toLogRecord } from "./postgres-rows.ts";
import type { Database } from "./postgres-tables.ts";

/** Reads of the decision log, outside transactions: they see committed records only. */

type Db = Kysely<Database>;

/** Records per round trip when walking a chain: bounded memory whatever the log's size. */
const LOG_PAGE = 500;

const LOG_COLUMNS = ["partition", "seq", "decision_id", "prev_hash", "hash", "body"] as const;

/** A chain walk also reads the columns copied from the body, for verify to hold them to it. */
const CHAIN_COLUMNS = [...LOG_COLUMNS, "subject_id", "trace_id", "recorded_at"] as const;

/** A partition's chain in seq order, page by page (keyset paging on the primary key). */
export async function* readLogPages(db: Db, partition: number): AsyncGenerator<LogRecord> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom("decision_log")
      .select(CHAIN_COLUMNS)
      .where("partition", "=", partition)
      .where("seq", ">", after)
      .orderBy("seq")
      .limit(LOG_PAGE)
      .execute();
    for (const row of rows) yield toLogRecord(row);
    const last = rows.at(-1);
    if (last === undefined || rows.length < LOG_PAGE) return;
    after = last.seq;
  }
}

/**
 * Partitions that hold a record. A loose index scan over the primary key: one seek per
 * partition, whatever the size of the log.
 */
export async function readLogPartitions(db: Db): Promise<number[]> {
  const result = await sql<{ n: number }>`
    WITH RECURSIVE p(n) AS (
      SELECT min(partition) FROM decision_log
      UNION ALL
      SELECT (SELECT min(partition) FROM decision_log WHERE partition > p.n)
      FROM p WHERE p.n IS NOT NULL
    )
    SELECT n FROM p WHERE n IS NOT NULL ORDER BY n`.execute(db);
  return result.rows.map((row) => row.n);
}

/** A decision by id with its subject, whose key opens its sealed steps. */
export async function readDecision(
  db: Db,
  decisionId: string,
  opener: (subjectId: string) => Promise<LogOpener>,
): Promise<StoredDecision | undefined> {
  const row = await db
    .selectFrom("decision_log")
    .select([...LOG_COLUMNS, "subject_id"])
    .where("decision_id", "=", decisionId)
    .executeTakeFirst();
  return row === undefined ? undefined : storedDecisionOf(row, await opener(row.subject_id));
}

/** A decision of one subject by id (inside that subject's transaction). */
export async function readSubjectDecision(
  db: Db,
  subjectId: string,
  decisionId: string,
  open: LogOpener,
): Promise<StoredDecision | undefined> {
  const row = await db
    .selectFrom("decision_log")
    .select(LOG_COLUMNS)
    .where("decision_id", "=", decisionId)
    .where("subject_id", "=", subjectId)
    .executeTakeFirst();
  return row === undefined ? undefined : storedDecisionOf(row, open);
}

/** Newest first: a subject's records all sit in one partition, so seq orders them. */
export async function readDecisionsOf(
  db: Db,
  subjectId: string,
  limit: number,
  open: LogOpener,
): Promise<StoredDecision[]> {
  const rows = await db
    .selectFrom("decision_log")
    .select(LOG_COLUMNS)
    .where("subject_id", "=", subjectId)
    .orderBy("seq", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => storedDecisionOf(row, open));
}

/** Each chain's head as the database's trigger recorded it. */
export async function readLogHeads(db: Db): Promise<LogHead[]> {
  const result = await sql<{ partition: number; seq: string | number; hash: string }>`
    SELECT partition, seq, hash FROM log_heads ORDER BY partition`.execute(db);
  return result.rows.map((row) => ({
    partition: row.partition,
    seq: Number(row.seq),
    hash: row.hash,
  }));
}
