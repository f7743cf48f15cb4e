import type { Instant } from "../../engine/types.ts";
import type { SubjectCrypto } from "../../privacy/subject-crypto.ts";
import { storedDecisionOf } from "../log-records.ts";
import type { ErasedCounts, PendingWork, StoredDecision } from "../store.ts";
import {
  ERASED_EVIDENCE,
  type KeyStore,
  type SealingState,
  SubjectSealing,
} from "../subject-sealing.ts";
import type { ReadStatements } from "./read-statements.ts";
import type { WriteStatements } from "./write-statements.ts";

/**
 * The SQLite side of crypto-shredding and in-flight cancellation, for `SqliteSubjectTx` (inside a
 * transaction, on the writer) and for the store's reads outside one (on the reader).
 */

/**
 * A subject's sealing whose keys are read with `reads` and created with `writes`, starting from
 * what an earlier sealing of the subject knew, when given.
 */
export function sqliteSealing(
  subjectId: string,
  crypto: SubjectCrypto,
  reads: ReadStatements,
  writes?: WriteStatements,
  known?: SealingState,
): SubjectSealing {
  return new SubjectSealing(subjectId, crypto, new SqliteKeys(reads, writes), Date.now, known);
}

/** Subject keys in the `subject_keys` table (a class: no closures made per subject). */
class SqliteKeys implements KeyStore {
  constructor(
    private readonly reads: ReadStatements,
    private readonly writes: WriteStatements | undefined,
  ) {}

  async read(subjectId: string): Promise<string | undefined> {
    return this.reads.subjectKey.get(subjectId)?.wrapped;
  }

  async create(subjectId: string, wrapped: string, at: number): Promise<void> {
    if (this.writes === undefined) {
      throw new Error("subject keys are created only in a transaction");
    }
    this.writes.insertSubjectKey.run(subjectId, wrapped, at);
  }
}

/** A decision of `subjectId` by id, its sealed steps opened where the key still exists. */
export async function readSubjectDecision(
  reads: ReadStatements,
  sealing: SubjectSealing,
  decisionId: string,
): Promise<StoredDecision | undefined> {
  const row = reads.logOfDecision.get(decisionId, sealing.subjectId);
  return row === undefined ? undefined : storedDecisionOf(row, await sealing.opener());
}

export function readPendingWork(reads: ReadStatements, subjectId: string): PendingWork[] {
  return reads.pendingWork
    .all({ subjectId })
    .map((row) => ({ kind: row.kind, id: row.id, decisionId: row.decision_id }));
}

export function cancelPendingWork(
  writes: WriteStatements,
  subjectId: string,
  work: PendingWork,
  reason: string,
  at: Instant,
): void {
  if (work.kind === "deferral") writes.cancelDeferral.run(work.id, subjectId);
  else if (work.kind === "review") writes.cancelReview.run(at, work.id, subjectId);
  else writes.cancelDelivery.run({ id: work.id, subjectId, reason });
}

/**
 * Destroys the subject's key and deletes or blanks their personal data (see `SubjectTx.erase`).
 * The connection runs with `secure_delete`, so the freed bytes are overwritten with zeros.
 */
export function shredSubject(
  writes: WriteStatements,
  sealing: SubjectSealing,
  at: Instant,
  storedUpTo: Instant,
): ErasedCounts {
  const { subjectId } = sealing;
  writes.deleteSubjectKey.run(subjectId);
  sealing.forgetKey();
  const events = writes.deleteEvents.run(subjectId, storedUpTo).changes;
  const attributes = writes.deleteAttributes.run(subjectId).changes;
  const consentEvidence = writes.blankEvidence.run({ subjectId, erased: ERASED_EVIDENCE }).changes;
  writes.deleteSends.run(subjectId);
  writes.deleteContacts.run(subjectId);
  writes.deleteGpc.run(subjectId);
  writes.insertTombstone.run(sealing.tombstone(), at);
  return { events, attributes, consentEvidence };
}
