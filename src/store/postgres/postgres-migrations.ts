import { type Kysely, sql } from "kysely";
import type { Database } from "./postgres-tables.ts";

/** One numbered step of the schema. Steps are applied in order, each once, never edited. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const CORE_TABLES = [
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
  "CREATE INDEX events_subject ON events (subject_id, occurred_at)",
  `CREATE TABLE attributes (
    subject_id text NOT NULL,
    name text NOT NULL,
    value_json text NOT NULL,
    updated_at bigint NOT NULL,
    event_id text,
    source text,
    PRIMARY KEY (subject_id, name)
  )`,
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
  "CREATE INDEX consent_records_subject ON consent_records (subject_id, position)",
  `CREATE TABLE suppressions (
    position bigint GENERATED ALWAYS AS IDENTITY,
    id text PRIMARY KEY,
    subject_id text NOT NULL,
    reason text NOT NULL,
    channel text NOT NULL,
    since bigint NOT NULL,
    lifted_at bigint
  )`,
  "CREATE INDEX suppressions_subject ON suppressions (subject_id, position)",
  `CREATE TABLE contacts (
    subject_id text NOT NULL,
    channel text NOT NULL,
    jurisdiction text NOT NULL,
    PRIMARY KEY (subject_id, channel)
  )`,
  "CREATE TABLE gpc (subject_id text PRIMARY KEY, since bigint NOT NULL)",
  `CREATE TABLE sends (
    position bigint GENERATED ALWAYS AS IDENTITY,
    decision_id text PRIMARY KEY,
    subject_id text NOT NULL,
    at bigint NOT NULL,
    channel text NOT NULL,
    node_id text NOT NULL,
    basis text NOT NULL
  )`,
  "CREATE INDEX sends_subject ON sends (subject_id, at)",
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
  "CREATE INDEX decision_log_subject ON decision_log (subject_id, recorded_at, seq)",
  // The log is append-only: no role that writes through the store may change history.
  `CREATE FUNCTION decision_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'decision_log is append-only: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  `CREATE TRIGGER decision_log_append_only BEFORE UPDATE OR DELETE ON decision_log
    FOR EACH ROW EXECUTE FUNCTION decision_log_refuse_change()`,
  `CREATE TRIGGER decision_log_no_truncate BEFORE TRUNCATE ON decision_log
    FOR EACH STATEMENT EXECUTE FUNCTION decision_log_refuse_change()`,
];

const WORK_TABLES = [
  `CREATE TABLE deferrals (
    deferral_id text PRIMARY KEY,
    subject_id text NOT NULL,
    node_id text NOT NULL,
    event_id text NOT NULL,
    due_at bigint NOT NULL,
    decision_id text NOT NULL,
    UNIQUE (subject_id, node_id, event_id)
  )`,
  "CREATE INDEX deferrals_due ON deferrals (due_at, deferral_id)",
  `CREATE TABLE reviews (
    review_id text PRIMARY KEY,
    subject_id text NOT NULL,
    decision_id text NOT NULL,
    node_id text NOT NULL,
    event_id text NOT NULL,
    opened_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    status text NOT NULL,
    settled_at bigint
  )`,
  "CREATE INDEX reviews_status ON reviews (status, opened_at, review_id)",
  `CREATE TABLE deliveries (
    delivery_id text PRIMARY KEY,
    idempotency_key text NOT NULL,
    decision_id text NOT NULL,
    subject_id text NOT NULL,
    connector text NOT NULL,
    recipient text NOT NULL,
    payload text NOT NULL,
    due_at bigint NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    lease_until bigint,
    last_code text,
    last_attempt_at bigint,
    position bigint GENERATED ALWAYS AS IDENTITY
  )`,
  "CREATE INDEX deliveries_pending ON deliveries (due_at, position) WHERE status = 'pending'",
  "CREATE INDEX deliveries_key ON deliveries (idempotency_key)",
];

/** The schema, step by step. Append new steps; never change an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "profile and consent", statements: CORE_TABLES },
  { version: 2, name: "decision log", statements: DECISION_LOG },
  { version: 3, name: "deferrals, reviews and outbox", statements: WORK_TABLES },
];

/** Serialises concurrent `migrate()` calls of several processes on one schema. */
const MIGRATION_LOCK = 0x41_53_4d_47;

/**
 * Applies the steps not yet recorded in `schema_migrations`, each in its own transaction, under
 * an advisory lock so that two processes starting together do not race. Idempotent.
 */
export async function migrate(db: Kysely<Database>, schema?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    if (schema !== undefined) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx);
    }
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL
    )`.execute(trx);
  });
  for (const migration of MIGRATIONS) await applyOnce(db, migration);
}

async function applyOnce(db: Kysely<Database>, migration: Migration): Promise<void> {
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
      .values({ version: migration.version, name: migration.name, applied_at: Date.now() })
      .execute();
  });
}
