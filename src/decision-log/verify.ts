import type { LogHead, LogRecord, Store } from "../store/store.ts";
import { chainHash, GENESIS_HASH, partitionOf } from "./chain.ts";

/** The first break found in a partition's chain. */
export interface ChainBreak {
  readonly partition: number;
  readonly seq: number;
  readonly decisionId: string;
  readonly problem: "changed" | "removed" | "inserted or reordered";
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly partitions: number;
  readonly records: number;
  readonly firstBreak?: ChainBreak;
}

/**
 * Walks every partition's chain in order and stops at the first record that was changed,
 * removed, inserted or reordered; then holds each chain's end against the head the database
 * recorded on every append, so that records cut from the end, or a whole chain, are seen too.
 * A record's columns outside the hashed body (decision id, subject, trace id, recorded time,
 * and the partition its subject maps to) must agree with the body: lookups go by the columns.
 */
export async function verifyLog(store: Store): Promise<VerifyReport> {
  const [partitions, heads] = await Promise.all([store.logPartitions(), store.logHeads()]);
  const headOf = new Map(heads.map((head) => [head.partition, head]));
  let records = 0;
  for (const partition of partitions) {
    const result = await verifyPartition(store.readLog(partition));
    records += result.records;
    const found = result.firstBreak ?? endBreak(partition, result.last, headOf.get(partition));
    if (found !== undefined) {
      return { ok: false, partitions: partitions.length, records, firstBreak: found };
    }
  }
  const lost = heads.find((head) => !partitions.includes(head.partition));
  if (lost === undefined) return { ok: true, partitions: partitions.length, records };
  const detail = `the whole chain is missing (its head was record ${lost.seq})`;
  const firstBreak: ChainBreak = { ...lost, seq: 1, decisionId: "", problem: "removed", detail };
  return { ok: false, partitions: partitions.length, records, firstBreak };
}

async function verifyPartition(log: AsyncIterable<LogRecord>) {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let records = 0;
  let last: LogRecord | undefined;
  for await (const record of log) {
    records += 1;
    const found = checkRecord(record, prevHash, expectedSeq);
    if (found !== undefined) return { records, firstBreak: found, last };
    prevHash = record.hash;
    expectedSeq += 1;
    last = record;
  }
  return { records, firstBreak: undefined, last };
}

/** The chain's last record against the head recorded on append. */
function endBreak(
  partition: number,
  last: LogRecord | undefined,
  head: LogHead | undefined,
): ChainBreak | undefined {
  if (last === undefined) return undefined;
  const at = { partition, seq: last.seq, decisionId: last.decisionId };
  if (head === undefined) {
    return { ...at, problem: "changed", detail: "the chain's recorded head is missing" };
  }
  if (head.seq > last.seq) {
    const span =
      head.seq === last.seq + 1 ? `record ${head.seq}` : `records ${last.seq + 1} to ${head.seq}`;
    const detail = `${span} at the end of the chain ${head.seq === last.seq + 1 ? "is" : "are"} missing`;
    return { ...at, seq: last.seq + 1, decisionId: "", problem: "removed", detail };
  }
  if (head.seq < last.seq || head.hash !== last.hash) {
    const detail = `the chain ends past or apart from its recorded head (record ${head.seq})`;
    return { ...at, problem: "inserted or reordered", detail };
  }
  return undefined;
}

function checkRecord(record: LogRecord, prevHash: string, seq: number): ChainBreak | undefined {
  const at = { partition: record.partition, seq: record.seq, decisionId: record.decisionId };
  if (record.seq > seq) {
    const gap = record.seq - 1 === seq ? `${seq}` : `${seq} to ${record.seq - 1}`;
    const detail = `the chain jumps from record ${seq - 1} to record ${record.seq} (decision ${record.decisionId}); missing: ${gap}`;
    return { ...at, seq, problem: "removed", detail };
  }
  if (record.seq < seq || record.prevHash !== prevHash) {
    const detail = `its previous hash does not match record ${seq - 1} of the chain`;
    return { ...at, problem: "inserted or reordered", detail };
  }
  if (chainHash(record.prevHash, record.body) !== record.hash) {
    return { ...at, problem: "changed", detail: "its content no longer matches its hash" };
  }
  const detail = columnMismatch(record);
  return detail === undefined ? undefined : { ...at, problem: "changed", detail };
}

/**
 * The first column that disagrees with the hashed body. The hash covers only the body, and the
 * per-subject index reads subject_id: an edited column would move a decision unseen.
 */
function columnMismatch(record: LogRecord): string | undefined {
  const hashed = hashedFields(record.body);
  const pairs = [
    ["decision_id", hashed.decisionId, record.decisionId],
    ["subject_id", hashed.subjectId, record.subjectId],
    ["trace_id", hashed.traceId, record.traceId],
    ["recorded_at", hashed.recordedAt, record.recordedAt],
  ] as const;
  const differs = pairs.find(([, inBody, inColumn]) => inBody !== inColumn);
  if (differs !== undefined) return `its ${differs[0]} column differs from its hashed body`;

  const home = partitionOf(record.subjectId);
  if (home === record.partition) return undefined;
  return `it sits in partition ${record.partition} but its hashed subject belongs to ${home}`;
}

/** The body's copies of the columns; a body that is not a decision matches none. */
function hashedFields(body: string) {
  const parsed = parseJson(body);
  const decision = field(parsed, "decision");
  return {
    decisionId: field(parsed, "decisionId"),
    subjectId: field(decision, "subjectId"),
    traceId: field(parsed, "traceId"),
    recordedAt: field(parsed, "recordedAt"),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}
