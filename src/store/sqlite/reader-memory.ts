import type Database from "better-sqlite3";
import type { ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";

/** What reads outside transactions last returned for one subject. */
interface ReadMemo {
  profile?: Profile;
  consent?: ConsentView;
  sends?: { readonly since: Instant; readonly records: readonly SendRecord[] };
}

/**
 * Commits by every SQLite store of this process. A store's memory forgets what its own writer
 * changed as it commits; this count tells it that another store of the process (on the same
 * file, perhaps) committed, which it could not otherwise learn before its next look.
 */
let commitsInProcess = 0;

/**
 * What the reader connection last read of subjects (profile, current consent view, sends),
 * for dry runs and other reads outside transactions: a subject decided request after request is
 * read and opened once, not once per request.
 *
 * It is only ever right while nothing was committed. A commit of this process (this store's
 * writer or another store's) makes it forget everything at once. Another process's commit is
 * seen by a look at SQLite's `data_version` on the reader, taken once per turn of the event
 * loop because it costs a read transaction: whatever another process committed before a request
 * reached this one (its answer travelled through the event loop, so in an earlier turn) is seen
 * by that request's reads. So a read through it returns what a fresh read would, and the consent
 * ledger is never used past a change. Forgetting at once also keeps an erased subject's opened
 * profile from outliving the erasure in memory.
 *
 * Values handed out are shared: callers treat them as read-only (their types say so).
 */
export class ReaderMemory {
  readonly #memos = new Map<string, ReadMemo>();
  readonly #dataVersion: Database.Statement<[], number>;
  #seenVersion: number | undefined;
  /** Whether `data_version` was read in this turn of the event loop. */
  #looked = false;
  #seenCommits = commitsInProcess;

  constructor(
    reader: Database.Database,
    private readonly limit: number,
  ) {
    this.#dataVersion = reader.prepare<[], number>("PRAGMA data_version").pluck();
  }

  profile(subjectId: string, read: () => Promise<Profile>): Promise<Profile> {
    const memo = this.#memo(subjectId);
    if (memo.profile !== undefined) return Promise.resolve(memo.profile);
    return read().then((profile) => {
      memo.profile = profile;
      return profile;
    });
  }

  consentView(subjectId: string, read: () => Promise<ConsentView>): Promise<ConsentView> {
    const memo = this.#memo(subjectId);
    if (memo.consent !== undefined) return Promise.resolve(memo.consent);
    return read().then((view) => {
      memo.consent = view;
      return view;
    });
  }

  /** Sends at or after `since`: filtered from an earlier, wider read when there is one. */
  sends(subjectId: string, since: Instant, read: () => SendRecord[]): SendRecord[] {
    const memo = this.#memo(subjectId);
    const kept = memo.sends;
    if (kept !== undefined && kept.since <= since) {
      return kept.records.filter((send) => send.at >= since);
    }
    const records = read();
    memo.sends = { since, records };
    return [...records];
  }

  /** After the store's own writer committed: everything is forgotten, here and elsewhere. */
  committed(): void {
    commitsInProcess += 1;
    this.forgetAll();
  }

  forgetAll(): void {
    this.#memos.clear();
  }

  /**
   * The subject's memo (a fresh one after any commit). Past the limit the subject remembered
   * longest is forgotten: a plain bound on memory, as any commit empties it all anyway.
   */
  #memo(subjectId: string): ReadMemo {
    if (!this.#looked || this.#seenCommits !== commitsInProcess) this.#look();
    const known = this.#memos.get(subjectId);
    if (known !== undefined) return known;
    const memo: ReadMemo = {};
    this.#memos.set(subjectId, memo);
    if (this.#memos.size > this.limit) {
      const [oldest] = this.#memos.keys();
      if (oldest !== undefined) this.#memos.delete(oldest);
    }
    return memo;
  }

  #look(): void {
    const version = this.#dataVersion.get();
    if (version !== this.#seenVersion || this.#seenCommits !== commitsInProcess) {
      this.#memos.clear();
      this.#seenVersion = version;
      this.#seenCommits = commitsInProcess;
    }
    if (this.#looked) return;
    this.#looked = true;
    setImmediate(() => {
      this.#looked = false;
    });
  }
}
