import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { AssentEvent, ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";
import { existingMasterKey, MASTER_KEY_FILE, resolveMasterKey } from "../../privacy/master-key.ts";
import { SubjectCrypto } from "../../privacy/subject-crypto.ts";
import type { Timer } from "../../timers/timer.ts";
import { storedDecisionOf } from "../log-records.ts";
import type {
  Backlog,
  Deferral,
  Delivery,
  DeliveryAttempt,
  DueWork,
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
import type { SubjectSealing } from "../subject-sealing.ts";
import { sqliteSealing } from "./erasure-tx.ts";
import { migrateSqlite } from "./migrations.ts";
import { type BacklogRow, prepareReads, type ReadStatements } from "./read-statements.ts";
import { ReaderMemory } from "./reader-memory.ts";
import { type ChainRow, deferralOf, deliveryOf, eventOf, reviewOf } from "./rows.ts";
import { SerialLock } from "./serial-lock.ts";
import { SubjectMemory } from "./subject-memory.ts";
import { SqliteSubjectTx, type TxScope } from "./subject-tx.ts";
import { timerOf } from "./timer-statements.ts";
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
  /**
   * The 32-byte master key that wraps every subject key (crypto-shredding). Default:
   * `ASSENT_MASTER_KEY`, else the key file `master.key` beside the database, made on first start.
   */
  readonly masterKey?: Buffer;
  /**
   * Whether a missing key file is made (default true). Commands that only read pass false: then
   * without a key, reads that need none (the log's chains, timers) work, and one that must open
   * sealed data throws `MasterKeyMissingError`.
   */
  readonly makeMasterKey?: boolean;
}

/** Rows a readLog page fetches at a time: bounded memory, few round trips. */
const LOG_PAGE = 500;

/** Subjects whose views the writer remembers between transactions (a few kilobytes each). */
const REMEMBERED_SUBJECTS = 20_000;

/** Subjects whose views reads outside transactions (dry runs) remember while nothing commits. */
const READ_REMEMBERED_SUBJECTS = 10_000;

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
  // Freed bytes are overwritten with zeros, so an erased subject's key leaves no trace in the file.
  writer.pragma("secure_delete = ON");
  migrateSqlite(writer, now);
  const reader = new Database(location, { readonly: true, fileMustExist: true });
  reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  const masterKey = options.masterKey ?? masterKeyBeside(location, options.makeMasterKey ?? true);
  return new SqliteStore(location, writer, reader, now, new SubjectCrypto(masterKey));
}

/** The master key, or the key file `master.key` beside the database. */
function masterKeyBeside(location: string, make: boolean): Buffer | (() => never) {
  const keyFile = join(dirname(location), MASTER_KEY_FILE);
  if (make) return resolveMasterKey(keyFile);
  const missing = `the key file ${MASTER_KEY_FILE} is not beside the database`;
  return existingMasterKey(keyFile, location, missing);
}

class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly #lock = new SerialLock();
  readonly #writes: WriteStatements;
  readonly #txReads: ReadStatements;
  readonly #reads: ReadStatements;
  readonly #memory = new SubjectMemory(REMEMBERED_SUBJECTS);
  readonly #readMemory: ReaderMemory;
  readonly #dataVersion: Database.Statement<[], number>;
  /** `data_version` when the writer last looked: it changes when another connection commits. */
  #seenVersion: number | undefined;
  #closed = false;

  constructor(
    readonly location: string,
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly now: () => Instant,
    private readonly crypto: SubjectCrypto,
  ) {
    this.#writes = prepareWrites(writer);
    this.#txReads = prepareReads(writer);
    this.#reads = prepareReads(reader);
    this.#readMemory = new ReaderMemory(writer, READ_REMEMBERED_SUBJECTS);
    this.#dataVersion = writer.prepare<[], number>("PRAGMA data_version").pluck();
  }

  async migrate(): Promise<void> {
    await this.#exclusive(async () => {
      this.#memory.forgetAll();
      this.#readMemory.forgetAll();
      migrateSqlite(this.writer, this.now);
    });
  }

  /** Waits for queued transactions to finish, then closes; a second close does nothing. */
  async close(): Promise<void> {
    await this.#lock.drain();
    if (this.#closed) return;
    await this.#exclusive(async () => {
      this.#closed = true;
      this.#memory.forgetAll();
      this.#readMemory.forgetAll();
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
    const row = this.#read().logWithSubject.get(decisionId);
    if (row === undefined) return undefined;
    return storedDecisionOf(row, await this.#sealing(row.subject_id).opener());
  }

  async decisionsOf(subjectId: string, limit: number): Promise<StoredDecision[]> {
    const open = await this.#sealing(subjectId).opener();
    return this.#read()
      .logOfSubject.all(subjectId, limit)
      .map((row) => storedDecisionOf(row, open));
  }

  async consentView(subjectId: string, asOf?: Instant): Promise<ConsentView> {
    const reads = this.#read();
    if (asOf !== undefined) return this.#readConsentView(reads, subjectId, asOf);
    return this.#readMemory.consentView(subjectId, () => this.#readConsentView(reads, subjectId));
  }

  async profile(subjectId: string): Promise<Profile> {
    const reads = this.#read();
    return this.#readMemory.profile(subjectId, async () =>
      readProfile(reads, subjectId, await this.#sealing(subjectId).opener()),
    );
  }

  async sendsOf(subjectId: string, since: Instant): Promise<SendRecord[]> {
    const reads = this.#read();
    return this.#readMemory.sends(subjectId, since, () => readSends(reads, subjectId, since));
  }

  async eventsOf(subjectId: string): Promise<AssentEvent[]> {
    const open = await this.#sealing(subjectId).opener();
    return this.#read()
      .eventsOfSubject.all(subjectId)
      .flatMap((row) => {
        const data = open(row.data);
        return data === undefined ? [] : [eventOf({ ...row, data })];
      });
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

  async dueSubjects(until: Instant): Promise<string[]> {
    return this.#read().dueSubjects.all(until, until, until);
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

  // ---------------------------------------------------------------- timers

  claimDueTimers(now: Instant, limit: number, leaseMs: number): Promise<Timer[]> {
    return this.#exclusive(async () => {
      const rows = this.#writes.claimTimers.all({ now, leaseUntil: now + leaseMs, limit });
      return rows.map(timerOf).sort(bySoonest);
    });
  }

  async timersOf(subjectId: string): Promise<Timer[]> {
    return this.#read().pendingTimers.all(subjectId).map(timerOf);
  }

  async nextTimerDue(): Promise<Instant | undefined> {
    return this.#read().nextTimerDue.get()?.due ?? undefined;
  }

  async timerStats(now: Instant) {
    const row = this.#read().timerStats.get(now);
    return { pending: row?.pending ?? 0, oldestDueAt: row?.oldest ?? undefined };
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
        crypto: this.crypto,
        memory: this.#memory,
        parts: [],
        shredded: false,
        open: true,
      };
      this.writer.exec("BEGIN IMMEDIATE");
      try {
        this.#forgetIfOthersWrote();
        const result = await work(scope);
        this.writer.exec("COMMIT");
        this.#readMemory.committed(scope.parts.map((part) => part.subjectId));
        this.#remember(scope);
        if (scope.shredded) this.#foldWal();
        return result;
      } catch (error) {
        if (this.writer.inTransaction) this.writer.exec("ROLLBACK");
        for (const part of scope.parts) this.#memory.forget(part.subjectId);
        throw error;
      } finally {
        scope.open = false;
      }
    });
  }

  /**
   * Under the write lock, before anything is read: if another connection committed since this
   * one last looked, what the writer remembers of subjects may be stale, so all of it goes.
   */
  #forgetIfOthersWrote(): void {
    const version = this.#dataVersion.get();
    if (version !== this.#seenVersion) this.#memory.forgetAll();
    this.#seenVersion = version;
  }

  /** After a commit: what each subject part left, for the subject's next transaction. */
  #remember(scope: TxScope): void {
    for (const part of scope.parts) {
      const memo = part.memo();
      if (memo === undefined) this.#memory.forget(part.subjectId);
      else this.#memory.put(part.subjectId, memo);
    }
  }

  /**
   * After an erasure: copies the WAL into the database and truncates it, so that the old page
   * images holding the erased subject's key do not linger in the `-wal` file. Best effort: a
   * reader of another process may hold the WAL, and then the next checkpoint folds it.
   */
  #foldWal(): void {
    this.writer.pragma("wal_checkpoint(TRUNCATE)");
  }

  async #readConsentView(reads: ReadStatements, subjectId: string, asOf?: Instant) {
    const sealing = this.#sealing(subjectId);
    const view = { open: await sealing.opener(), tombstone: sealing.tombstone() };
    return readConsentView(reads, subjectId, view, asOf);
  }

  /** A subject's sealing for one read outside any transaction (on the reader). */
  #sealing(subjectId: string): SubjectSealing {
    return sqliteSealing(subjectId, this.crypto, this.#read());
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
  const held = (work: { readonly subjectId: string }) => parts.has(work.subjectId);
  return {
    subject(subjectId: string): SubjectTx {
      const part = parts.get(subjectId);
      if (part === undefined) throw new StoreError("outside_transaction");
      return part;
    },
    async dueWork(until: Instant): Promise<DueWork> {
      if (!scope.open) throw new StoreError("transaction_closed");
      const { reads } = scope;
      return {
        timers: reads.dueTimers.all(until).map(timerOf).filter(held),
        deferrals: reads.allDueDeferrals.all(until).map(deferralOf).filter(held),
        reviews: reads.expiredReviews.all(until).map(reviewOf).filter(held),
      };
    },
  };
}

function logRecordOf(row: ChainRow): LogRecord {
  const { partition, seq, hash, body } = row;
  return {
    partition,
    seq,
    decisionId: row.decision_id,
    prevHash: row.prev_hash,
    hash,
    body,
    subjectId: row.subject_id,
    ...(row.trace_id === null ? {} : { traceId: row.trace_id }),
    recordedAt: row.recorded_at,
  };
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

function bySoonest(a: Timer, b: Timer): number {
  return a.dueAt - b.dueAt || (a.timerId < b.timerId ? -1 : 1);
}

function byDueThenId(a: Delivery, b: Delivery): number {
  return a.dueAt - b.dueAt || (a.deliveryId < b.deliveryId ? -1 : 1);
}
