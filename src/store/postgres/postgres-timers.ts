import type { Kysely, Selectable, Transaction } from "kysely";
import type { Instant } from "../../engine/types.ts";
import type { Timer, TimerKind, TimerStatus } from "../../timers/timer.ts";
import type { Database } from "./postgres-tables.ts";

/**
 * Durable timers on PostgreSQL: migration 6, the table as Kysely sees it, and the queries, kept
 * together so that the step stays self-contained.
 */

export const TIMERS_MIGRATION = [
  `CREATE TABLE timers (
    timer_id text COLLATE "C" PRIMARY KEY,
    subject_id text NOT NULL,
    node_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('delay', 'date')),
    due_at bigint NOT NULL,
    event_id text NOT NULL,
    cause_at bigint NOT NULL,
    why text NOT NULL,
    created_at bigint NOT NULL,
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'fired', 'cancelled', 'moved')),
    settled_at bigint,
    lease_until bigint
  )`,
  "CREATE UNIQUE INDEX timers_one_pending ON timers (subject_id, node_id) WHERE status = 'pending'",
  "CREATE INDEX timers_due ON timers (due_at, timer_id) WHERE status = 'pending'",
];

export interface TimersTable {
  timer_id: string;
  subject_id: string;
  node_id: string;
  kind: TimerKind;
  due_at: number;
  event_id: string;
  cause_at: number;
  why: string;
  created_at: number;
  status: TimerStatus;
  settled_at: number | null;
  lease_until: number | null;
}

type Db = Kysely<Database>;

const COLUMNS = [
  "timer_id",
  "subject_id",
  "node_id",
  "kind",
  "due_at",
  "event_id",
  "cause_at",
  "why",
  "created_at",
  "status",
  "settled_at",
] as const;

function toTimer(row: Pick<Selectable<TimersTable>, (typeof COLUMNS)[number]>): Timer {
  return {
    timerId: row.timer_id,
    subjectId: row.subject_id,
    nodeId: row.node_id,
    kind: row.kind,
    dueAt: row.due_at,
    eventId: row.event_id,
    causeAt: row.cause_at,
    why: row.why,
    createdAt: row.created_at,
    status: row.status,
    ...(row.settled_at === null ? {} : { settledAt: row.settled_at }),
  };
}

/** A subject's pending timers, soonest first (in or outside a transaction). */
export async function readPendingTimers(db: Db, subjectId: string): Promise<Timer[]> {
  const rows = await db
    .selectFrom("timers")
    .select(COLUMNS)
    .where("subject_id", "=", subjectId)
    .where("status", "=", "pending")
    .orderBy("due_at")
    .orderBy("timer_id")
    .execute();
  return rows.map(toTimer);
}

/** The pending timers of `subjectIds` due at or before `until`, soonest first. */
export async function readDueTimers(
  db: Db,
  until: Instant,
  subjectIds: readonly string[],
): Promise<Timer[]> {
  if (subjectIds.length === 0) return [];
  const rows = await db
    .selectFrom("timers")
    .select(COLUMNS)
    .where("status", "=", "pending")
    .where("due_at", "<=", until)
    .where("subject_id", "in", subjectIds)
    .orderBy("due_at")
    .orderBy("timer_id")
    .execute();
  return rows.map(toTimer);
}

export async function insertTimer(trx: Transaction<Database>, timer: Timer): Promise<void> {
  await trx
    .insertInto("timers")
    .values({
      timer_id: timer.timerId,
      subject_id: timer.subjectId,
      node_id: timer.nodeId,
      kind: timer.kind,
      due_at: timer.dueAt,
      event_id: timer.eventId,
      cause_at: timer.causeAt,
      why: timer.why,
      created_at: timer.createdAt,
      status: "pending",
      settled_at: null,
      lease_until: null,
    })
    .execute();
}

/**
 * pending → `status`, guarded by the status: of two transactions settling one timer (two
 * schedulers, or a firing and a cancelling event), the second finds it settled and writes
 * nothing. The caller holds the subject's lock, so the second starts after the first commits.
 */
export async function settleTimer(
  trx: Transaction<Database>,
  subjectId: string,
  timerId: string,
  status: Exclude<TimerStatus, "pending">,
  at: Instant,
): Promise<boolean> {
  const result = await trx
    .updateTable("timers")
    .set({ status, settled_at: at, lease_until: null })
    .where("timer_id", "=", timerId)
    .where("subject_id", "=", subjectId)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Leases due, unleased pending timers in one statement. `FOR UPDATE SKIP LOCKED` lets schedulers
 * in several processes claim at once: each timer goes to one of them, none waits.
 */
export async function claimDueTimers(
  db: Db,
  now: Instant,
  limit: number,
  leaseMs: number,
): Promise<Timer[]> {
  const due = db
    .selectFrom("timers")
    .select("timer_id")
    .where("status", "=", "pending")
    .where("due_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .orderBy("due_at")
    .orderBy("timer_id")
    .limit(limit)
    .forUpdate()
    .skipLocked();
  const rows = await db
    .updateTable("timers")
    .set({ lease_until: now + leaseMs })
    .where("timer_id", "in", due)
    .returning(COLUMNS)
    .execute();
  return rows.map(toTimer).sort((a, b) => a.dueAt - b.dueAt || (a.timerId < b.timerId ? -1 : 1));
}

export async function readNextTimerDue(db: Db): Promise<Instant | undefined> {
  const row = await db
    .selectFrom("timers")
    .select((eb) => eb.fn.min("due_at").as("due"))
    .where("status", "=", "pending")
    .executeTakeFirst();
  return row?.due ?? undefined;
}

export async function readTimerStats(db: Db, now: Instant) {
  const row = await db
    .selectFrom("timers")
    .select((eb) => [
      eb.fn.countAll<number>().as("pending"),
      eb.fn.min(eb.case().when("due_at", "<=", now).then(eb.ref("due_at")).end()).as("oldest"),
    ])
    .where("status", "=", "pending")
    .executeTakeFirst();
  return { pending: Number(row?.pending ?? 0), oldestDueAt: row?.oldest ?? undefined };
}
