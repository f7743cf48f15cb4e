import { chainHash, GENESIS_HASH, logBody, partitionOf } from "../decision-log/chain.ts";
import type { Decision } from "../engine/types.ts";
import type { LogRecord, NewLogEntry, StoredDecision } from "./store.ts";

/** The head of one partition's chain: its last seq and hash, or none yet. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * The next record of a subject's partition chain, for any store: partition from the subject,
 * seq after the head, prevHash the head's hash (or the genesis hash), body and hash from
 * `decision-log/chain.ts`.
 *
 * @example nextLogRecord("s-1", entry, undefined).seq // 1
 */
export function nextLogRecord(
  subjectId: string,
  entry: NewLogEntry,
  head: ChainHead | undefined,
  partition = partitionOf(subjectId),
  seal?: (text: string) => string,
): LogRecord {
  const prevHash = head?.hash ?? GENESIS_HASH;
  const body = logBody(seal === undefined ? entry : sealedEntry(entry, seal));
  const seq = (head?.seq ?? 0) + 1;
  return {
    partition,
    seq,
    decisionId: entry.decisionId,
    prevHash,
    hash: chainHash(prevHash, body),
    body,
    subjectId,
    ...(entry.traceId === undefined ? {} : { traceId: entry.traceId }),
    recordedAt: entry.recordedAt,
  };
}

/**
 * The entry with its explanation steps sealed under the subject's key (`sealedSteps`): the
 * steps are where personal data could appear (details, evidence ids), so they are the part a
 * crypto-shredding erasure makes unreadable. The hash covers the ciphertext, so the chain still
 * verifies once the key is gone. Outcome, reason, node, purpose and times stay readable.
 */
function sealedEntry(entry: NewLogEntry, seal: (text: string) => string) {
  const { steps, ...rest } = entry.decision;
  return { ...entry, decision: { ...rest, sealedSteps: seal(JSON.stringify(steps)) } };
}

interface LoggedBody {
  readonly decisionId: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly decision: Decision & { readonly sealedSteps?: string };
}

/**
 * Opens a subject's sealed text, or gives undefined when the subject's key was destroyed
 * (erased) — and for records written before sealing existed, it is never called.
 */
export type LogOpener = (sealed: string) => string | undefined;

/**
 * A stored decision read back from its log record: the log body is the one source of truth for
 * decisions, so no store keeps a second copy that could drift from what was hashed. Sealed steps
 * are opened with `open`; when they cannot be (the subject was erased), the decision comes back
 * with no steps and `explanationErased`.
 */
export function storedDecisionOf(
  record: Pick<LogRecord, "partition" | "seq" | "body">,
  open?: LogOpener,
) {
  const parsed: unknown = JSON.parse(record.body);
  if (!isLoggedBody(parsed)) {
    throw new Error(`log record ${record.partition}/${record.seq} does not hold a decision`);
  }
  const { sealedSteps, ...decision } = parsed.decision;
  const opened = sealedSteps === undefined ? undefined : open?.(sealedSteps);
  const steps: Decision["steps"] =
    sealedSteps === undefined ? decision.steps : opened === undefined ? [] : JSON.parse(opened);
  const stored: StoredDecision = {
    decisionId: parsed.decisionId,
    partition: record.partition,
    seq: record.seq,
    decision: { ...decision, steps },
    ...(parsed.traceId === undefined ? {} : { traceId: parsed.traceId }),
    ...(parsed.spanId === undefined ? {} : { spanId: parsed.spanId }),
    ...(sealedSteps !== undefined && opened === undefined ? { explanationErased: true } : {}),
  };
  return stored;
}

// A shallow check: the body was written from a typed Decision and its hash proves it unchanged.
function isLoggedBody(value: unknown): value is LoggedBody {
  if (typeof value !== "object" || value === null) return false;
  const decision: unknown = Reflect.get(value, "decision");
  return (
    typeof Reflect.get(value, "decisionId") === "string" &&
    typeof decision === "object" &&
    decision !== null &&
    typeof Reflect.get(decision, "outcome") === "string" &&
    typeof Reflect.get(decision, "subjectId") === "string"
  );
}
