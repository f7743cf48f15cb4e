import type { Kysely, Selectable } from "kysely";
import type {
  AssentEvent,
  AttributeState,
  Channel,
  ConsentView,
  ContactPoint,
  Instant,
  Profile,
  SendRecord,
} from "../../engine/types.ts";
import type { Delivery } from "../store.ts";
import { ERASED_EVIDENCE } from "../subject-sealing.ts";
import { readErasedAt } from "./postgres-erasure.ts";
import { toAttributeState, toConsentRecord, toDelivery, toSuppression } from "./postgres-rows.ts";
import type { Database, EventsTable } from "./postgres-tables.ts";

/**
 * Reads of one subject, shared by transactions (seeing their own writes) and by the store's reads
 * outside transactions (seeing committed state).
 */

type Db = Kysely<Database>;

/** Far beyond any real instant: "no asOf" reads everything. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/** Opens a sealed value (see `SubjectSealing.opener`); undefined once the key is gone. */
export type Opener = (value: string) => string | undefined;

export async function readProfile(db: Db, subjectId: string, open: Opener): Promise<Profile> {
  const rows = await db
    .selectFrom("attributes")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .orderBy("name")
    .execute();
  const profile = new Map<string, AttributeState>();
  for (const row of rows) {
    const value = open(row.value_json);
    if (value !== undefined) profile.set(row.name, toAttributeState({ ...row, value_json: value }));
  }
  return profile;
}

/**
 * Records captured, suppressions begun, GPC seen and an erasure made at or before `asOf`;
 * without it, all. Evidence is opened with the subject's key (or shown as erased).
 */
export async function readConsentView(
  db: Db,
  subjectId: string,
  sealing: { readonly open: Opener; readonly tombstone: string },
  asOf: Instant = END_OF_TIME,
): Promise<ConsentView> {
  const erasedAt = await readErasedAt(db, sealing.tombstone);
  const records = (await readConsent(db, subjectId, asOf)).map((record) => ({
    ...record,
    evidence: sealing.open(record.evidence) ?? ERASED_EVIDENCE,
  }));
  const suppressions = await readSuppressions(db, subjectId, asOf);
  const contacts = await readContacts(db, subjectId);
  const gpc = await db
    .selectFrom("gpc")
    .select("since")
    .where("subject_id", "=", subjectId)
    .where("since", "<=", asOf)
    .executeTakeFirst();
  return {
    subjectId,
    records,
    suppressions,
    contacts,
    ...(gpc === undefined ? {} : { gpcSince: gpc.since }),
    ...(erasedAt !== undefined && erasedAt <= asOf ? { erasedAt } : {}),
  };
}

async function readConsent(db: Db, subjectId: string, asOf: Instant) {
  const rows = await db
    .selectFrom("consent_records")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .where("captured_at", "<=", asOf)
    .orderBy("captured_at")
    .orderBy("position")
    .execute();
  return rows.map(toConsentRecord);
}

/** As of `asOf`, a lift that came later had not happened yet. */
async function readSuppressions(db: Db, subjectId: string, asOf: Instant) {
  const rows = await db
    .selectFrom("suppressions")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .where("since", "<=", asOf)
    .orderBy("since")
    .orderBy("id")
    .execute();
  const liftedLater = (liftedAt: number | null) => liftedAt !== null && liftedAt > asOf;
  return rows.map((row) =>
    toSuppression(liftedLater(row.lifted_at) ? { ...row, lifted_at: null } : row),
  );
}

async function readContacts(db: Db, subjectId: string) {
  const rows = await db
    .selectFrom("contacts")
    .select(["channel", "jurisdiction"])
    .where("subject_id", "=", subjectId)
    .orderBy("channel")
    .execute();
  const contacts: Partial<Record<Channel, ContactPoint>> = {};
  for (const row of rows) contacts[row.channel] = { jurisdiction: row.jurisdiction };
  return contacts;
}

/** Sends at or after `since`, oldest first. */
export async function readSends(db: Db, subjectId: string, since: Instant): Promise<SendRecord[]> {
  return db
    .selectFrom("sends")
    .select(["at", "channel", "node_id as nodeId", "basis"])
    .where("subject_id", "=", subjectId)
    .where("at", ">=", since)
    .orderBy("at")
    .orderBy("position")
    .execute();
}

/** One stored event of the subject, or undefined (also when it belongs to another subject). */
export async function readEvent(
  db: Db,
  subjectId: string,
  eventId: string,
  open: Opener,
): Promise<AssentEvent | undefined> {
  const row = await db
    .selectFrom("events")
    .selectAll()
    .where("event_id", "=", eventId)
    .where("subject_id", "=", subjectId)
    .executeTakeFirst();
  return row === undefined ? undefined : toEvent(row, open);
}

/** Every stored event of the subject, by occurredAt then id. */
export async function readEventsOf(
  db: Db,
  subjectId: string,
  open: Opener,
): Promise<AssentEvent[]> {
  const rows = await db
    .selectFrom("events")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .orderBy("occurred_at")
    .orderBy("event_id")
    .execute();
  return rows.flatMap((row) => toEvent(row, open) ?? []);
}

/** Every outbox delivery of the subject, by dueAt then id. */
export async function readDeliveriesOf(db: Db, subjectId: string): Promise<Delivery[]> {
  const rows = await db
    .selectFrom("deliveries")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .orderBy("due_at")
    .orderBy("delivery_id")
    .execute();
  return rows.map(toDelivery);
}

/** The event with its data opened; undefined when it was sealed and the key is gone. */
function toEvent(row: Selectable<EventsTable>, open: Opener): AssentEvent | undefined {
  const data = typeof row.data === "string" ? open(row.data) : row.data;
  if (data === undefined) return undefined;
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    subjectId: row.subject_id,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    source: row.source,
    data: eventData(typeof data === "string" ? JSON.parse(data) : data),
  };
}

function eventData(value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("a stored event's data is not a JSON object");
  }
  return Object.fromEntries(Object.entries(value));
}
