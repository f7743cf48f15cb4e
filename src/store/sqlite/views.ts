import {
  CHANNELS,
  type Channel,
  type ConsentView,
  type ContactPoint,
  type Instant,
  type Profile,
  type SendRecord,
} from "../../engine/types.ts";
import type { ReadStatements } from "./read-statements.ts";
import { attributeOf, consentOf, sendOf, suppressionOf } from "./rows.ts";

/** The largest instant SQLite compares exactly: "no asOf" reads everything. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * Reads shared by transactions (on the writer, seeing their own writes) and by the store's
 * reads outside transactions (on the reader, seeing committed state).
 */
export function readProfile(reads: ReadStatements, subjectId: string): Profile {
  return new Map(reads.attributes.all(subjectId).map(attributeOf));
}

/** Records captured, suppressions begun and GPC seen at or before `asOf`; everything without. */
export function readConsentView(
  reads: ReadStatements,
  subjectId: string,
  asOf: Instant = END_OF_TIME,
): ConsentView {
  const gpc = reads.gpc.get(subjectId, asOf);
  return {
    subjectId,
    records: reads.consent.all(subjectId, asOf).map(consentOf),
    suppressions: reads.suppressions.all(subjectId, asOf).map((row) => suppressionOf(row, asOf)),
    contacts: readContacts(reads, subjectId),
    ...(gpc === undefined ? {} : { gpcSince: gpc.since }),
  };
}

function readContacts(reads: ReadStatements, subjectId: string) {
  const contacts: Partial<Record<Channel, ContactPoint>> = {};
  for (const row of reads.contacts.all(subjectId)) {
    if (isChannel(row.channel)) contacts[row.channel] = { jurisdiction: row.jurisdiction };
  }
  return contacts;
}

const CHANNEL_SET: ReadonlySet<string> = new Set<string>(CHANNELS);

function isChannel(value: string): value is Channel {
  return CHANNEL_SET.has(value);
}

export function readSends(reads: ReadStatements, subjectId: string, since: Instant): SendRecord[] {
  return reads.sendsSince.all(subjectId, since).map(sendOf);
}
