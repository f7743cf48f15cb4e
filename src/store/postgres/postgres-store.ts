import { join } from "node:path";
import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import { partitionOf } from "../../decision-log/chain.ts";
import type { AssentEvent, ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";
import { existingMasterKey, MASTER_KEY_FILE, resolveMasterKey } from "../../privacy/master-key.ts";
import { SubjectCrypto } from "../../privacy/subject-crypto.ts";
import type { Timer } from "../../timers/timer.ts";
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
import type { SubjectSealing } from "../subject-sealing.ts";
import { postgresSealing } from "./postgres-erasure.ts";
import { lockPartitions, lockSubjects } from "./postgres-locks.ts";
import {
  readDecision,
  readDecisionsOf,
  readLogHeads,
  readLogPages,
  readLogPartitions,
} from "./postgres-log.ts";
import { migrate } from "./postgres-migrations.ts";
import {
  readConsentView,
  readDeliveriesOf,
  readEventsOf,
  readProfile,
  readSends,
} from "./postgres-reads.ts";
import { PostgresSubjectTx, type TxState } from "./postgres-subject-tx.ts";
import type { Database } from "./postgres-tables.ts";
import {
  claimDueTimers,
  readNextTimerDue,
  readPendingTimers,
  readTimerStats,
} from "./postgres-timers.ts";
import {
  claimDeliveries,
  readBacklog,
  readDueDeferrals,
  readDueSubjects,
  readDueWork,
  readOutboxDepth,
  readReview,
  readReviews,
  recordAttempt,
} from "./postgres-work.ts";

export interface PostgresStoreOptions {
  /** A `postgres://` connection URL (`ASSENT_DATABASE_URL` or `--db`). */
  readonly url: string;
  /**
   * A schema of its own (created by `migrate()`), set as the connections' search path: tests
   * isolate themselves with a fresh random one. Default: the server's search path.
   */
  readonly schema?: string;
  /** Connections in the pool. At least as many as concurrent subject transactions. */
  readonly poolSize?: number;
  /** The clock for bookkeeping instants (`applied_at`). Default `Date.now`. */
  readonly now?: () => Instant;
  /**
   * Told when an idle pooled connection fails (a server restart, a dropped link). The pool
   * discards it and connects afresh on the next query, so this heals itself: log it as a warning.
   * Default: ignored, since an unheard pool error would otherwise end the process.
   */
  readonly onIdleError?: (error: Error) => void;
  /**
   * The 32-byte master key that wraps every subject key (crypto-shredding). Default:
   * `ASSENT_MASTER_KEY`, else the key file `.assent/master.key` in the working folder.
   */
  readonly masterKey?: Buffer;
  /**
   * Whether a missing key file is made (default true). Commands that only read pass false: then
   * without a key, reads that need none (the log's chains, timers) work, and one that must open
   * sealed data throws `MasterKeyMissingError`.
   */
  readonly makeMasterKey?: boolean;
}

const DEFAULT_POOL_SIZE = 10;

/** Lower-case letters, digits and underscores, starting with a letter: safe in `-c` options. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a PostgreSQL store over a pool of `pg` connections and migrates it (as the SQLite store
 * does on open). Several processes may open the same database at once: migrations serialise on
 * an advisory lock.
 *
 * @example const store = await openPostgresStore({ url: "postgres://assent@db:5432/assent" })
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { url, schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error("schema must be lower-case letters, digits and underscores");
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    types: epochTypes(),
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on("error", options.onIdleError ?? (() => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = redactedUrl(url);
  const masterKey = options.masterKey ?? masterKeyInWorkingFolder(location, options.makeMasterKey);
  const crypto = new SubjectCrypto(masterKey);
  const store = new PostgresStore(db, location, schema, options.now ?? Date.now, crypto);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** The master key, or the key file `.assent/master.key` in the working folder. */
function masterKeyInWorkingFolder(location: string, make = true): Buffer | (() => never) {
  const keyFile = join(".assent", MASTER_KEY_FILE);
  if (make) return resolveMasterKey(keyFile);
  return existingMasterKey(keyFile, location, `the key file ${keyFile} is not in this folder`);
}

/** int8 (bigint) columns hold epoch milliseconds and counts: far below 2^53, so numbers. */
function epochTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));
  return types;
}

/**
 * The URL for people: user, host, port, database and options, never the password.
 *
 * @example redactedUrl("postgres://app:pw@db:5432/assent") // "postgres://app@db:5432/assent"
 */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  parsed.searchParams.delete("password");
  return parsed.toString();
}

class PostgresStore implements Store {
  readonly kind = "postgres";
  private closed = false;

  constructor(
    private readonly database: Kysely<Database>,
    readonly location: string,
    private readonly schema: string | undefined,
    private readonly now: () => Instant,
    private readonly crypto: SubjectCrypto,
  ) {}

  async migrate(): Promise<void> {
    await migrate(this.db(), this.now, this.schema);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.database.destroy();
  }

  /** One transaction holding the subject's advisory lock, across processes, until it ends. */
  async withSubject<T>(subjectId: string, work: (tx: SubjectTx) => Promise<T>): Promise<T> {
    return this.transaction([subjectId], (trx, state) =>
      work(new PostgresSubjectTx(subjectId, trx, state)),
    );
  }

  /**
   * Locks every subject, then every partition they log to, each in ascending order: a group
   * transaction and any other transaction always lock in the same order, so none deadlock.
   */
  async withSubjects<T>(
    subjectIds: readonly string[],
    work: (tx: StoreTx) => Promise<T>,
  ): Promise<T> {
    const held = new Set(subjectIds);
    return this.transaction(subjectIds, async (trx, state) => {
      await lockPartitions(
        trx,
        [...held].map((id) => partitionOf(id)),
      );
      return work({
        subject(subjectId) {
          if (!held.has(subjectId)) throw new StoreError("outside_transaction");
          return new PostgresSubjectTx(subjectId, trx, state);
        },
        dueWork(until) {
          if (!state.open) throw new StoreError("transaction_closed");
          return readDueWork(trx, until, [...held]);
        },
      });
    });
  }

  private async transaction<T>(
    subjectIds: readonly string[],
    work: (trx: Transaction<Database>, state: TxState) => Promise<T>,
  ): Promise<T> {
    const state: TxState = { open: true, crypto: this.crypto, sealings: new Map() };
    try {
      return await this.db()
        .transaction()
        .execute(async (trx) => {
          await lockSubjects(trx, subjectIds);
          return work(trx, state);
        });
    } finally {
      state.open = false;
    }
  }

  async getDecision(decisionId: string): Promise<StoredDecision | undefined> {
    return readDecision(this.db(), decisionId, (subjectId) => this.sealing(subjectId).opener());
  }

  async decisionsOf(subjectId: string, limit: number): Promise<StoredDecision[]> {
    const open = await this.sealing(subjectId).opener();
    return readDecisionsOf(this.db(), subjectId, limit, open);
  }

  async consentView(subjectId: string, asOf?: Instant): Promise<ConsentView> {
    const sealing = this.sealing(subjectId);
    const view = { open: await sealing.opener(), tombstone: sealing.tombstone() };
    return readConsentView(this.db(), subjectId, view, asOf);
  }

  async profile(subjectId: string): Promise<Profile> {
    return readProfile(this.db(), subjectId, await this.sealing(subjectId).opener());
  }

  async sendsOf(subjectId: string, since: Instant): Promise<SendRecord[]> {
    return readSends(this.db(), subjectId, since);
  }

  async eventsOf(subjectId: string): Promise<AssentEvent[]> {
    return readEventsOf(this.db(), subjectId, await this.sealing(subjectId).opener());
  }

  async deliveriesOf(subjectId: string): Promise<Delivery[]> {
    return readDeliveriesOf(this.db(), subjectId);
  }

  async *readLog(partition: number): AsyncIterable<LogRecord> {
    yield* readLogPages(this.db(), partition);
  }

  async logPartitions(): Promise<number[]> {
    return readLogPartitions(this.db());
  }
  async logHeads(): Promise<LogHead[]> {
    return readLogHeads(this.db());
  }

  async dueDeferrals(until: Instant, limit: number): Promise<Deferral[]> {
    return readDueDeferrals(this.db(), until, limit);
  }

  async dueSubjects(until: Instant): Promise<string[]> {
    return readDueSubjects(this.db(), until);
  }

  async reviews(status: ReviewStatus | "all", limit: number): Promise<Review[]> {
    return readReviews(this.db(), status, limit);
  }

  async getReview(reviewId: string): Promise<Review | undefined> {
    return readReview(this.db(), reviewId);
  }

  async claimDueTimers(now: Instant, limit: number, leaseMs: number): Promise<Timer[]> {
    return claimDueTimers(this.db(), now, limit, leaseMs);
  }

  async timersOf(subjectId: string): Promise<Timer[]> {
    return readPendingTimers(this.db(), subjectId);
  }

  async nextTimerDue(): Promise<Instant | undefined> {
    return readNextTimerDue(this.db());
  }

  async timerStats(now: Instant) {
    return readTimerStats(this.db(), now);
  }

  async claimDeliveries(now: Instant, limit: number, leaseMs: number): Promise<Delivery[]> {
    return claimDeliveries(this.db(), now, limit, leaseMs);
  }

  async recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    return recordAttempt(this.db(), deliveryId, attempt);
  }

  async outboxDepth(): Promise<number> {
    return readOutboxDepth(this.db());
  }

  async backlog(): Promise<Backlog> {
    return readBacklog(this.db());
  }

  /** A subject's sealing for one read outside any transaction. */
  private sealing(subjectId: string): SubjectSealing {
    return postgresSealing(this.db(), this.crypto, subjectId);
  }

  private db(): Kysely<Database> {
    if (this.closed) throw new StoreError("store_closed");
    return this.database;
  }
}
