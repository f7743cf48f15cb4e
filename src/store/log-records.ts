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
): LogRecord {
  const prevHash = head?.hash ?? GENESIS_HASH;
  const body = logBody(entry);
  const seq = (head?.seq ?? 0) + 1;
  return {
    partition,
    seq,
    decisionId: entry.decisionId,
    prevHash,
    hash: chainHash(prevHash, body),
    body,
  };
}

interface LoggedBody {
  readonly decisionId: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly decision: Decision;
}

/**
 * A stored decision read back from its log record: the log body is the one source of truth for
 * decisions, so no store keeps a second copy that could drift from what was hashed.
 */
export function storedDecisionOf(record: Pick<LogRecord, "partition" | "seq" | "body">) {
  const parsed: unknown = JSON.parse(record.body);
  if (!isLoggedBody(parsed)) {
    throw new Error(`log record ${record.partition}/${record.seq} does not hold a decision`);
  }
  const stored: StoredDecision = {
    decisionId: parsed.decisionId,
    partition: record.partition,
    seq: record.seq,
    decision: parsed.decision,
    ...(parsed.traceId === undefined ? {} : { traceId: parsed.traceId }),
    ...(parsed.spanId === undefined ? {} : { spanId: parsed.spanId }),
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
