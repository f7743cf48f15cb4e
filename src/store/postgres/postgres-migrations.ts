import { type Kysely, sql } from "kysely";
import { StoreError } from "../store-error.ts";
import { ERASURE_MIGRATION } from "./postgres-erasure.ts";
import type { Database } from "./postgres-tables.ts";
import { TIMERS_MIGRATION } from "./postgres-timers.ts";

/** One numbered step of the schema. Steps are applied in order, each once, never edited. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

// Text that is ordered or compared uses the "C" collation: byte order, as in SQLite and in
// JavaScript's string comparison, whatever the server's locale.
const EVENTS = [
  `CREATE TABLE events (
    event_id text PRIMARY KEY,
    subject_id text NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL,
    occurred_at bigint NOT NULL,
    received_at bigint NOT NULL,
    source text NOT NULL,
    data jsonb NOT NULL
  )`,
  "CREATE INDEX events_by_subject ON events (subject_id, occurred_at)",
  `CREATE TABLE attributes (
    subject_id text NOT NULL,
    name text COLLATE "C" NOT NULL,
    value_json text NOT NULL,
    updated_at bigint NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (subject_id, name)
  )`,
];

const CONSENT = [
  `CREATE TABLE consent_records (
    position bigint GENERATED ALWAYS AS IDENTITY,
    id text PRIMARY KEY,
    subject_id text NOT NULL,
    purpose text NOT NULL,
    channel text NOT NULL,
    kind text NOT NULL,
    captured_at bigint NOT NULL,
    expires_at bigint,
    express boolean,
    jurisdiction text,
    source text NOT NULL,
    evidence text NOT NULL
  )`,
  "CREATE INDEX consent_records_by_subject ON consent_records (subject_id, captured_at)",
  `CREATE TABLE suppressions (
    position bigint GENERATED ALWAYS AS IDENTITY,
    id text COLLATE "C" PRIMARY KEY,
    subject_id text NOT NULL,
    reason text NOT NULL,
    channel text NOT NULL,
    since bigint NOT NULL,
    lifted_at bigint
  )`,
  "CREATE INDEX suppressions_by_subject ON suppressions (subject_id, since)",
  `CREATE TABLE contacts (
    subject_id text NOT NULL,
    channel text COLLATE "C" NOT NULL,
    jurisdiction text NOT NULL,
    PRIMARY KEY (subject_id, channel)
  )`,
  "CREATE TABLE gpc (subject_id text PRIMARY KEY, since bigint NOT NULL)",
  `CREATE TABLE sends (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id text NOT NULL,
    at bigint NOT NULL,
    channel text NOT NULL,
    node_id text NOT NULL,
    basis text NOT NULL,
    decision_id text NOT NULL
  )`,
  "CREATE INDEX sends_by_subject ON sends (subject_id, at)",
];

const DECISION_LOG = [
  `CREATE TABLE decision_log (
    partition integer NOT NULL,
    seq bigint NOT NULL,
    decision_id text NOT NULL UNIQUE,
    subject_id text NOT NULL,
    trace_id text,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    body text NOT NULL,
    recorded_at bigint NOT NULL,
    PRIMARY KEY (partition, seq)
  )`,
  "CREATE INDEX decision_log_by_subject ON decision_log (subject_id, seq)",
  // Append-only by construction: whatever the caller, history cannot be changed in place.
  `CREATE FUNCTION decision_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'decision log records are never changed (% refused)', TG_OP
      USING ERRCODE = 'integrity_constraint_violation';
  END
  $$`,
  `CREATE TRIGGER decision_log_append_only BEFORE UPDATE OR DELETE ON decision_log
    FOR EACH ROW EXECUTE FUNCTION decision_log_refuse_change()`,
  `CREATE TRIGGER decision_log_no_truncate BEFORE TRUNCATE ON decision_log
    FOR EACH STATEMENT EXECUTE FUNCTION decision_log_refuse_change()`,
];

// The head of each chain, kept by the database itself on every append, so that `log verify`
// sees records cut from the end of a chain or a whole chain removed.
const LOG_HEADS = [
  `CREATE TABLE log_heads (
    partition integer PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
  )`,
  `INSERT INTO log_heads (partition, seq, hash)
    SELECT DISTINCT ON (partition) partition, seq, hash FROM decision_log
    ORDER BY partition, seq DESC`,
  `CREATE FUNCTION decision_log_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO log_heads (partition, seq, hash) VALUES (NEW.partition, NEW.seq, NEW.hash)
    ON CONFLICT (partition) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER decision_log_head AFTER INSERT ON decision_log
    FOR EACH ROW EXECUTE FUNCTION decision_log_move_head()`,
];

const WORK = [
  `CREATE TABLE deferrals (
    deferral_id text COLLATE "C" PRIMARY KEY,
    subject_id text NOT NULL,
    node_id text NOT NULL,
    event_id text NOT NULL,
    due_at bigint NOT NULL,
    decision_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'replaced'))
  )`,
  `CREATE UNIQUE INDEX deferrals_one_pending ON deferrals (subject_id, node_id, event_id)
    WHERE status = 'pending'`,
  "CREATE INDEX deferrals_due ON deferrals (due_at, deferral_id) WHERE status = 'pending'",
  `CREATE TABLE reviews (
    review_id text COLLATE "C" PRIMARY KEY,
    subject_id text NOT NULL,
    decision_id text NOT NULL,
    node_id text NOT NULL,
    event_id text NOT NULL,
    opened_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    settled_at bigint
  )`,
  "CREATE INDEX reviews_by_status ON reviews (status, opened_at, review_id)",
  "CREATE INDEX reviews_by_time ON reviews (opened_at, review_id)",
  `CREATE TABLE deliveries (
    delivery_id text COLLATE "C" PRIMARY KEY,
    idempotency_key text NOT NULL,
    decision_id text NOT NULL,
    subject_id text NOT NULL,
    connector text NOT NULL,
    recipient text NOT NULL,
    payload text NOT NULL,
    due_at bigint NOT NULL,
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    lease_until bigint,
    last_code text,
    last_attempt_at bigint,
    UNIQUE (idempotency_key, connector, recipient)
  )`,
  "CREATE INDEX deliveries_pending ON deliveries (due_at, delivery_id) WHERE status = 'pending'",
  "CREATE INDEX deliveries_by_decision ON deliveries (decision_id)",
];

/** The schema, step by step (the same steps as the SQLite store). Append; never edit. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "events and attributes", statements: EVENTS },
  { version: 2, name: "consent ledger, contacts, gpc and sends", statements: CONSENT },
  { version: 3, name: "decision log, append-only", statements: DECISION_LOG },
  { version: 4, name: "deferrals, reviews and deliveries", statements: WORK },
  { version: 5, name: "decision log chain heads", statements: LOG_HEADS },
  { version: 6, name: "durable timers", statements: TIMERS_MIGRATION },
  {
    version: 7,
    name: "subject keys, erasure tombstones, cancelled reviews",
    statements: ERASURE_MIGRATION,
  },
];

/** Serialises concurrent `migrate()` calls of several processes on one schema. */
const MIGRATION_LOCK = 0x41_53_4d_47;

/**
 * Applies the steps not yet recorded in `schema_migrations`, each in its own transaction, under
 * an advisory lock so that two processes starting together do not race. Idempotent.
 */
export async function migrate(
  db: Kysely<Database>,
  now: () => number,
  schema?: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    if (schema !== undefined) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx);
    }
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL
    )`.execute(trx);
    await refuseNewer(trx);
  });
  for (const migration of MIGRATIONS) await applyOnce(db, migration, now);
}

async function refuseNewer(db: Kysely<Database>): Promise<void> {
  const known = MIGRATIONS.at(-1)?.version ?? 0;
  const row = await db
    .selectFrom("schema_migrations")
    .select((eb) => eb.fn.max("version").as("newest"))
    .executeTakeFirst();
  const newest = row?.newest ?? 0;
  if (newest > known) {
    const message = `the database schema is at version ${newest}; this build knows up to ${known}`;
    throw new StoreError("schema_too_new", message);
  }
}

async function applyOnce(
  db: Kysely<Database>,
  migration: Migration,
  now: () => number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    const applied = await trx
      .selectFrom("schema_migrations")
      .select("version")
      .where("version", "=", migration.version)
      .executeTakeFirst();
    if (applied !== undefined) return;

    for (const statement of migration.statements) await sql.raw(statement).execute(trx);
    await trx
      .insertInto("schema_migrations")
      .values({ version: migration.version, name: migration.name, applied_at: now() })
      .execute();
  });
}
