import type { Instant } from "../../engine/types.ts";
import type { SealingState } from "../subject-sealing.ts";
import type { CachedViews } from "./subject-cache.ts";

/** What the writer knows of one subject as of the last commit: views, key, erasure. */
export interface SubjectMemo {
  readonly views: CachedViews;
  readonly sealing: SealingState;
  /** The tombstone's instant, null when not erased, undefined when not read. */
  readonly erasedAt: Instant | null | undefined;
}

/**
 * What the writer connection remembers of subjects between transactions, so that a subject
 * decided in group after group is read and opened once, not once per transaction.
 *
 * It is only ever right about committed state written by this connection: the store takes a
 * subject's memo into a transaction, and puts back what the transaction left only once it has
 * committed (a rollback forgets the subjects it touched). When another connection (another
 * process) has committed anything since, SQLite's `data_version` tells, and everything is
 * forgotten. Reads outside transactions never use it. An erasure forgets the subject at once.
 *
 * Keys held here are unwrapped subject keys: they are zeroed when forgotten, so a subject's key
 * lives in memory no longer than its memo, and never past the erasure of its subject.
 */
export class SubjectMemory {
  readonly #memos = new Map<string, SubjectMemo>();

  constructor(private readonly limit: number) {}

  /** The memo, if any; refreshed as the most recently used. */
  take(subjectId: string): SubjectMemo | undefined {
    const memo = this.#memos.get(subjectId);
    if (memo === undefined) return undefined;
    this.#memos.delete(subjectId);
    this.#memos.set(subjectId, memo);
    return memo;
  }

  /** Keeps what a committed transaction left; the least recently used memo goes past the limit. */
  put(subjectId: string, memo: SubjectMemo): void {
    const old = this.#memos.get(subjectId);
    this.#memos.delete(subjectId);
    if (old !== undefined && old.sealing.key !== memo.sealing.key) zero(old);
    this.#memos.set(subjectId, memo);
    if (this.#memos.size <= this.limit) return;
    const [oldest] = this.#memos.keys();
    if (oldest !== undefined) this.forget(oldest);
  }

  forget(subjectId: string): void {
    const memo = this.#memos.get(subjectId);
    this.#memos.delete(subjectId);
    if (memo !== undefined) zero(memo);
  }

  forgetAll(): void {
    for (const memo of this.#memos.values()) zero(memo);
    this.#memos.clear();
  }
}

function zero(memo: SubjectMemo): void {
  memo.sealing.key?.fill(0);
}
