import {
  type AttributeState,
  CHANNELS,
  type Channel,
  type ConsentView,
  type ContactPoint,
  type Instant,
  type Profile,
  type SendRecord,
} from "../../engine/types.ts";
import { ERASED_EVIDENCE } from "../subject-sealing.ts";
import type { ReadStatements } from "./read-statements.ts";
import { attributeOf, type ConsentRow, consentOf, sendOf, suppressionOf } from "./rows.ts";

/** The largest instant SQLite compares exactly: "no asOf" reads everything. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * Reads shared by transactions (on the writer, seeing their own writes) and by the store's
 * reads outside transactions (on the reader, seeing committed state).
 */
export function readProfile(reads: ReadStatements, subjectId: string, open: Opener): Profile {
  const profile = new Map<string, AttributeState>();
  for (const row of reads.attributes.all(subjectId)) {
    const value = open(row.value);
    if (value !== undefined) profile.set(...attributeOf({ ...row, value }));
  }
  return profile;
}

/** Opens a sealed value (see `SubjectSealing.opener`); undefined once the key is gone. */
export type Opener = (value: string) => string | undefined;

/** What the consent view needs of the subject's sealing: opening evidence, the tombstone. */
export interface ViewSealing {
  readonly open: Opener;
  readonly tombstone: string;
}

/**
 * Records captured, suppressions begun, GPC seen and an erasure made at or before `asOf`;
 * everything without.
 */
export function readConsentView(
  reads: ReadStatements,
  subjectId: string,
  sealing: ViewSealing,
  asOf: Instant = END_OF_TIME,
): ConsentView {
  const gpc = reads.gpc.get(subjectId, asOf);
  const erasure = reads.erasedAt.get(sealing.tombstone);
  const erased = erasure !== undefined && erasure.erased_at <= asOf;
  return {
    subjectId,
    records: reads.consent.all(subjectId, asOf).map((row) => consentOf(openEvidence(row, sealing))),
    suppressions: reads.suppressions.all(subjectId, asOf).map((row) => suppressionOf(row, asOf)),
    contacts: readContacts(reads, subjectId),
    ...(gpc === undefined ? {} : { gpcSince: gpc.since }),
    ...(erased ? { erasedAt: erasure.erased_at } : {}),
  };
}

function openEvidence(row: ConsentRow, sealing: ViewSealing): ConsentRow {
  return { ...row, evidence: sealing.open(row.evidence) ?? ERASED_EVIDENCE };
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
