import { type Kysely, sql } from "kysely";
import type { Instant } from "../../engine/types.ts";
import type {
  Backlog,
  Deferral,
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  DueWork,
  QueueBacklog,
  Review,
  ReviewStatus,
} from "../store.ts";
import { StoreError } from "../store-error.ts";
import { toDeferral, toDelivery, toReview } from "./postgres-rows.ts";
import type { Database } from "./postgres-tables.ts";
import { readDueTimers } from "./postgres-timers.ts";

/** Deferrals, reviews and the outbox, read and worked outside subject transactions. */

type Db = Kysely<Database>;

export async function readDueDeferrals(db: Db, until: Instant, limit: number): Promise<Deferral[]> {
  const rows = await db
    .selectFrom("deferrals")
    .selectAll()
    .where("status", "=", "pending")
    .where("due_at", "<=", until)
    .orderBy("due_at")
    .orderBy("deferral_id")
    .limit(limit)
    .execute();
  return rows.map(toDeferral);
}

/** Subjects with a pending timer or deferral due, or a pending review expired, by `until`. */
export async function readDueSubjects(db: Db, until: Instant): Promise<string[]> {
  const rows = await db
    .selectFrom("timers")
    .select("subject_id")
    .where("status", "=", "pending")
    .where("due_at", "<=", until)
    .union(
      db
        .selectFrom("deferrals")
        .select("subject_id")
        .where("status", "=", "pending")
        .where("due_at", "<=", until),
    )
    .union(
      db
        .selectFrom("reviews")
        .select("subject_id")
        .where("status", "=", "pending")
        .where("expires_at", "<=", until),
    )
    .execute();
  return rows.map((row) => row.subject_id);
}

/** The work of `subjectIds` due by `until` (see `StoreTx.dueWork`), inside their transaction. */
export async function readDueWork(
  db: Db,
  until: Instant,
  subjectIds: readonly string[],
): Promise<DueWork> {
  if (subjectIds.length === 0) return { timers: [], deferrals: [], reviews: [] };
  const deferrals = await db
    .selectFrom("deferrals")
    .selectAll()
    .where("status", "=", "pending")
    .where("due_at", "<=", until)
    .where("subject_id", "in", subjectIds)
    .orderBy("due_at")
    .orderBy("deferral_id")
    .execute();
  const reviews = await db
    .selectFrom("reviews")
    .selectAll()
    .where("status", "=", "pending")
    .where("expires_at", "<=", until)
    .where("subject_id", "in", subjectIds)
    .orderBy("opened_at")
    .orderBy("review_id")
    .execute();
  return {
    timers: await readDueTimers(db, until, subjectIds),
    deferrals: deferrals.map(toDeferral),
    reviews: reviews.map(toReview),
  };
}

/** Oldest first. */
export async function readReviews(
  db: Db,
  status: ReviewStatus | "all",
  limit: number,
): Promise<Review[]> {
  let query = db.selectFrom("reviews").selectAll();
  if (status !== "all") query = query.where("status", "=", status);
  const rows = await query.orderBy("opened_at").orderBy("review_id").limit(limit).execute();
  return rows.map(toReview);
}

export async function readReview(db: Db, reviewId: string): Promise<Review | undefined> {
  const row = await db
    .selectFrom("reviews")
    .selectAll()
    .where("review_id", "=", reviewId)
    .executeTakeFirst();
  return row === undefined ? undefined : toReview(row);
}

/**
 * Leases due, unleased pending deliveries in one statement. `FOR UPDATE SKIP LOCKED` lets
 * workers in several processes claim at once: each row goes to one of them, none waits.
 */
export async function claimDeliveries(
  db: Db,
  now: Instant,
  limit: number,
  leaseMs: number,
): Promise<Delivery[]> {
  const due = db
    .selectFrom("deliveries")
    .select("delivery_id")
    .where("status", "=", "pending")
    .where("due_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .orderBy("due_at")
    .orderBy("delivery_id")
    .limit(limit)
    .forUpdate()
    .skipLocked();
  const rows = await db
    .updateTable("deliveries")
    .set({ lease_until: now + leaseMs })
    .where("delivery_id", "in", due)
    .returningAll()
    .execute();
  const claimed = rows.map(toDelivery);
  return claimed.sort((a, b) => a.dueAt - b.dueAt || compareText(a.deliveryId, b.deliveryId));
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

const STATUS_AFTER: Readonly<Record<DeliveryAttempt["outcome"], DeliveryStatus>> = {
  delivered: "delivered",
  transient: "pending",
  permanent: "failed",
};

/**
 * Counts the attempt and releases the lease. The status moves only from pending, so a late
 * report of a retry never reopens a delivered or failed delivery.
 */
export async function recordAttempt(
  db: Db,
  deliveryId: string,
  attempt: DeliveryAttempt,
): Promise<void> {
  const next = STATUS_AFTER[attempt.outcome];
  const retryAt = attempt.retryAt ?? attempt.at;
  const stillPending = sql<boolean>`deliveries.status = 'pending'`;
  const result = await db
    .updateTable("deliveries")
    .set((eb) => ({
      attempts: eb("attempts", "+", 1),
      last_code: attempt.code,
      last_attempt_at: attempt.at,
      lease_until: null,
      due_at:
        next === "pending"
          ? eb.case().when(stillPending).then(retryAt).else(eb.ref("due_at")).end()
          : eb.ref("due_at"),
      status: eb.case().when(stillPending).then(next).else(eb.ref("status")).end(),
    }))
    .where("delivery_id", "=", deliveryId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new StoreError("delivery_not_found");
}

export async function readOutboxDepth(db: Db): Promise<number> {
  const row = await db
    .selectFrom("deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", "pending")
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Pending deliveries and deferrals: how many, and the earliest instant one is due. */
export async function readBacklog(db: Db): Promise<Backlog> {
  const [outbox, deferrals] = await Promise.all([
    readQueue(db, "deliveries"),
    readQueue(db, "deferrals"),
  ]);
  return { outbox, deferrals };
}

async function readQueue(db: Db, table: "deliveries" | "deferrals"): Promise<QueueBacklog> {
  const row = await db
    .selectFrom(table)
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("due_at").as("oldest")])
    .where("status", "=", "pending")
    .executeTakeFirstOrThrow();
  const pending = Number(row.n);
  return row.oldest === null ? { pending } : { pending, oldestDueAt: Number(row.oldest) };
}
