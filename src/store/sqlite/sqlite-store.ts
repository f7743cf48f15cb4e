import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import type { AssentEvent, ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";
import { storedDecisionOf } from "../log-records.ts";
import type {
  Backlog,
  Deferral,
  Delivery,
  DeliveryAttempt,
  LogHead,
  LogRecord,
  Review,
  ReviewStatus,
  Store,
  StoredDecision,
  StoreTx,
  SubjectTx,
} from "../store.ts";
import { StoreError } from "../store-error.ts";
import { migrateSqlite } from "./migrations.ts";
import { type BacklogRow, prepareReads, type ReadStatements } from "./read-statements.ts";
import { deferralOf, deliveryOf, eventOf, reviewOf } from "./rows.ts";
import { SerialLock } from "./serial-lock.ts";
import { SqliteSubjectTx, type TxScope } from "./subject-tx.ts";
import { readConsentView, readProfile, readSends } from "./views.ts";
import { prepareWrites, type WriteStatements } from "./write-statements.ts";

export interface SqliteStoreOptions {
  /** The database file; it and its folder are created on first start. */
  readonly path: string;
  /** The clock for bookkeeping instants (`stored_at`, `applied_at`). Default `Date.now`. */
  readonly now?: () => Instant;
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default) makes every commit survive a power cut; `normal` survives a crash of the
   * process but may lose the last commits on power loss, for bulk loads that can be re-run.
   */
  readonly synchronous?: "full" | "normal";
}

/** Rows a readLog page fetches at a time: bounded memory, few round trips. */
const LOG_PAGE = 500;

/**
 * Opens (creating if needed) the embedded store: one SQLite file in WAL mode, migrated on open.
 * One writer connection runs transactions one at a time; a second, read-only connection serves
 * reads outside transactions from committed state, so a read never sees a half-done transaction.
 *
 * @example const store = await openSqliteStore({ path: "./.assent/assent.db" })
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const location = resolve(options.path);
  mkdirSync(dirname(location), { recursive: true });
  const now = options.now ?? Date.now;
  const writer = new Database(location);
  writer.pragma("journal_mode = WAL");
  writer.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  writer.pragma("foreign_keys = ON");
  writer.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // A larger checkpoint threshold moves WAL pages into the database less often (fewer fsyncs
  // on busy replays); the WAL file grows to about 40 MB before it is folded back.
  writer.pragma("wal_autocheckpoint = 10000");
  migrateSqlite(writer, now);
  const reader = new Database(location, { readonly: true, fileMustExist: true });
  reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  return new SqliteStore(location, writer, reader, now);
}

class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly #lock = new SerialLock();
  readonly #writes: WriteStatements;
  readonly #txReads: ReadStatements;
  readonly #reads: ReadStatements;
  #closed = false;

  constructor(
    readonly location: string,
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly now: () => Instant,
  ) {
    this.#writes = prepareWrites(writer);
    this.#txReads = prepareReads(writer);
    this.#reads = prepareReads(reader);
  }

  async migrate(): Promise<void> {
    await this.#exclusive(async () => {
      migrateSqlite(this.writer, this.now);
    });
  }

  /** Waits for queued transactions to finish, then closes; a second close does nothing. */
  async close(): Promise<void> {
    await this.#lock.drain();
    if (this.#closed) return;
    await this.#exclusive(async () => {
      this.#closed = true;
      this.writer.close();
      this.reader.close();
    });
  }

  withSubject<T>(subjectId: string, work: (tx: SubjectTx) => Promise<T>): Promise<T> {
    return this.#transaction((scope) => work(new SqliteSubjectTx(subjectId, scope)));
  }

  withSubjects<T>(subjectIds: readonly string[], work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#transaction((scope) => work(groupTx(subjectIds, scope)));
  }

  // ---------------------------------------------------------------- reads

  async getDecision(decisionId: string): Promise<StoredDecision | undefined> {
    const row = this.#read().logById.get(decisionId);
    return row === undefined ? undefined : storedDecisionOf(row);
  }

  async decisionsOf(subjectId: string, limit: number): Promise<StoredDecision[]> {
    return this.#read().logOfSubject.all(subjectId, limit).map(storedDecisionOf);
  }

  async consentView(subjectId: string, asOf?: Instant): Promise<ConsentView> {
    return readConsentView(this.#read(), subjectId, asOf);
  }

  async profile(subjectId: string): Promise<Profile> {
    return readProfile(this.#read(), subjectId);
  }

  async sendsOf(subjectId: string, since: Instant): Promise<SendRecord[]> {
    return readSends(this.#read(), subjectId, since);
  }

  async eventsOf(subjectId: string): Promise<AssentEvent[]> {
    return this.#read().eventsOfSubject.all(subjectId).map(eventOf);
  }

  async deliveriesOf(subjectId: string): Promise<Delivery[]> {
    return this.#read().deliveriesOfSubject.all(subjectId).map(deliveryOf);
  }

  // Pages by seq rather than holding a cursor open, so other reads may run between records.
  async *readLog(partition: number): AsyncIterable<LogRecord> {
    let after = 0;
    for (;;) {
      const rows = this.#read().logPage.all(partition, after, LOG_PAGE);
      for (const row of rows) {
        yield logRecordOf(row);
        after = row.seq;
      }
      if (rows.length < LOG_PAGE) return;
    }
  }

  async logPartitions(): Promise<number[]> {
    return this.#read()
      .logPartitions.all()
      .map((row) => row.n);
  }
  async logHeads(): Promise<LogHead[]> {
    return this.#read().logHeads.all();
  }

  async dueDeferrals(until: Instant, limit: number): Promise<Deferral[]> {
    return this.#read().dueDeferrals.all(until, limit).map(deferralOf);
  }

  async reviews(status: ReviewStatus | "all", limit: number): Promise<Review[]> {
    const reads = this.#read();
    const rows =
      status === "all" ? reads.reviewsAll.all(limit) : reads.reviewsByStatus.all(status, limit);
    return rows.map(reviewOf);
  }

  async getReview(reviewId: string): Promise<Review | undefined> {
    const row = this.#read().review.get(reviewId);
    return row === undefined ? undefined : reviewOf(row);
  }

  // ---------------------------------------------------------------- outbox

  claimDeliveries(now: Instant, limit: number, leaseMs: number): Promise<Delivery[]> {
    return this.#exclusive(async () => {
      const rows = this.#writes.claim.all({ now, leaseUntil: now + leaseMs, limit });
      return rows.map(deliveryOf).sort(byDueThenId);
    });
  }

  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    return this.#exclusive(async () => {
      const status = attemptStatus(attempt);
      const retryAt = attempt.retryAt ?? attempt.at;
      const params = { deliveryId, status, retryAt, code: attempt.code, at: attempt.at };
      const result = this.#writes.attempt.run(params);
      if (result.changes === 0) throw new StoreError("delivery_not_found");
    });
  }

  async outboxDepth(): Promise<number> {
    return this.#read().outboxDepth.get()?.n ?? 0;
  }

  async backlog(): Promise<Backlog> {
    const reads = this.#read();
    return {
      outbox: queueOf(reads.outboxBacklog.get()),
      deferrals: queueOf(reads.deferralBacklog.get()),
    };
  }

  // ---------------------------------------------------------------- internals

  /**
   * BEGIN IMMEDIATE takes SQLite's write lock up front (waiting `busy_timeout` for another
   * process), so the reads inside `work` see the state its writes will commit on: caps read
   * through `sends` cannot be overtaken by a concurrent writer.
   */
  #transaction<T>(work: (scope: TxScope) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const scope: TxScope = {
        reads: this.#txReads,
        writes: this.#writes,
        now: this.now,
        heads: new Map(),
        open: true,
      };
      this.writer.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(scope);
        this.writer.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.writer.inTransaction) this.writer.exec("ROLLBACK");
        throw error;
      } finally {
        scope.open = false;
      }
    });
  }

  /** Runs `work` alone on the writer connection. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#lock.run(async () => {
      if (this.#closed) throw new StoreError("store_closed");
      return work();
    });
  }

  #read(): ReadStatements {
    if (this.#closed) throw new StoreError("store_closed");
    return this.#reads;
  }
}

/** One transaction's view of a group of subjects; a subject outside the group is refused. */
function groupTx(subjectIds: readonly string[], scope: TxScope): StoreTx {
  const parts = new Map(subjectIds.map((id) => [id, new SqliteSubjectTx(id, scope)]));
  return {
    subject(subjectId: string): SubjectTx {
      const part = parts.get(subjectId);
      if (part === undefined) throw new StoreError("outside_transaction");
      return part;
    },
  };
}

function logRecordOf(row: {
  partition: number;
  seq: number;
  decision_id: string;
  prev_hash: string;
  hash: string;
  body: string;
}): LogRecord {
  const { partition, seq, hash, body } = row;
  return { partition, seq, decisionId: row.decision_id, prevHash: row.prev_hash, hash, body };
}

function attemptStatus(attempt: DeliveryAttempt): "pending" | "delivered" | "failed" {
  if (attempt.outcome === "delivered") return "delivered";
  return attempt.outcome === "permanent" ? "failed" : "pending";
}

function queueOf(row: BacklogRow | undefined): Backlog["outbox"] {
  const pending = row?.n ?? 0;
  const oldest = row?.oldest ?? null;
  return oldest === null ? { pending } : { pending, oldestDueAt: oldest };
}

function byDueThenId(a: Delivery, b: Delivery): number {
  return a.dueAt - b.dueAt || (a.deliveryId < b.deliveryId ? -1 : 1);
}
