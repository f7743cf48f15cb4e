import type { LogRecord, Store } from "../store/store.ts";
import { chainHash, GENESIS_HASH } from "./chain.ts";

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
 * removed, inserted or reordered.
 */
export async function verifyLog(store: Store): Promise<VerifyReport> {
  const partitions = await store.logPartitions();
  let records = 0;
  for (const partition of partitions) {
    const result = await verifyPartition(store.readLog(partition));
    records += result.records;
    if (result.firstBreak !== undefined) {
      return { ok: false, partitions: partitions.length, records, firstBreak: result.firstBreak };
    }
  }
  return { ok: true, partitions: partitions.length, records };
}

async function verifyPartition(log: AsyncIterable<LogRecord>) {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let records = 0;
  for await (const record of log) {
    records += 1;
    const found = checkRecord(record, prevHash, expectedSeq);
    if (found !== undefined) return { records, firstBreak: found };
    prevHash = record.hash;
    expectedSeq += 1;
  }
  return { records, firstBreak: undefined };
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
  if (!record.body.includes(`"decisionId":${JSON.stringify(record.decisionId)}`)) {
    return { ...at, problem: "changed", detail: "its decision id differs from the one hashed" };
  }
  return undefined;
}
