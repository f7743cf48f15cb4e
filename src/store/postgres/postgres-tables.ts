import type { ColumnType, Generated } from "kysely";
import type { Channel, ConsentKind, LawfulBasis, SuppressionReason } from "../../engine/types.ts";
import type { DeliveryStatus, ReviewStatus } from "../store.ts";
import type { ErasuresTable, SubjectKeysTable } from "./postgres-erasure.ts";
import type { TimersTable } from "./postgres-timers.ts";

/**
 * The PostgreSQL tables as Kysely sees them. Instants are `bigint` epoch milliseconds, read back
 * as numbers (the pool parses int8 to number; epoch milliseconds stay far below 2^53).
 */
export interface Database {
  schema_migrations: SchemaMigrationsTable;
  events: EventsTable;
  attributes: AttributesTable;
  consent_records: ConsentRecordsTable;
  suppressions: SuppressionsTable;
  contacts: ContactsTable;
  gpc: GpcTable;
  sends: SendsTable;
  decision_log: DecisionLogTable;
  deferrals: DeferralsTable;
  reviews: ReviewsTable;
  deliveries: DeliveriesTable;
  timers: TimersTable;
  subject_keys: SubjectKeysTable;
  erasures: ErasuresTable;
}

/** An optional column: absent on insert means null. */
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface EventsTable {
  event_id: string;
  subject_id: string;
  type: string;
  schema_version: number;
  occurred_at: number;
  received_at: number;
  source: string;
  /** jsonb: the JSON text of the sealed data (a string), or of the object written before sealing. */
  data: ColumnType<unknown, string, string>;
  /** When the server stored the row (epoch ms, its own clock): erasure selects by this. */
  stored_at: Generated<number>;
}

export interface AttributesTable {
  subject_id: string;
  name: string;
  /** The value as JSON text, so that strings, numbers, booleans and lists round-trip exactly. */
  value_json: string;
  updated_at: number;
  event_id: string;
  source: string;
}

export interface ConsentRecordsTable {
  /** Insertion order: the ledger reads back in the order it was written. */
  position: Generated<number>;
  id: string;
  subject_id: string;
  purpose: string;
  channel: Channel | "*";
  kind: ConsentKind;
  captured_at: number;
  expires_at: Nullable<number>;
  express: Nullable<boolean>;
  jurisdiction: Nullable<string>;
  source: string;
  evidence: string;
}

export interface SuppressionsTable {
  position: Generated<number>;
  id: string;
  subject_id: string;
  reason: SuppressionReason;
  channel: Channel | "*";
  since: number;
  lifted_at: Nullable<number>;
}

export interface ContactsTable {
  subject_id: string;
  channel: Channel;
  jurisdiction: string;
}

export interface GpcTable {
  subject_id: string;
  since: number;
}

export interface SendsTable {
  position: Generated<number>;
  decision_id: string;
  subject_id: string;
  at: number;
  channel: Channel;
  node_id: string;
  basis: LawfulBasis;
}

export interface DecisionLogTable {
  partition: number;
  seq: number;
  decision_id: string;
  subject_id: string;
  trace_id: Nullable<string>;
  prev_hash: string;
  hash: string;
  body: string;
  recorded_at: number;
}

export interface DeferralsTable {
  deferral_id: string;
  subject_id: string;
  node_id: string;
  event_id: string;
  due_at: number;
  decision_id: string;
  status: ColumnType<DeferralStatus, DeferralStatus | undefined, DeferralStatus>;
}

/** `replaced` when a later deferral for the same node and event took its place. */
export type DeferralStatus = "pending" | "done" | "replaced";

export interface ReviewsTable {
  review_id: string;
  subject_id: string;
  decision_id: string;
  node_id: string;
  event_id: string;
  opened_at: number;
  expires_at: number;
  status: ReviewStatus;
  settled_at: Nullable<number>;
}

export interface DeliveriesTable {
  delivery_id: string;
  idempotency_key: string;
  decision_id: string;
  subject_id: string;
  connector: string;
  recipient: string;
  payload: string;
  due_at: number;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  lease_until: Nullable<number>;
  last_code: Nullable<string>;
  last_attempt_at: Nullable<number>;
}
