import type Database from "better-sqlite3";
import type { ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";

/** What reads outside transactions last returned for one subject. */
interface ReadMemo {
  profile?: Profile;
  consent?: ConsentView;
  sends?: { readonly since: Instant; readonly records: readonly SendRecord[] };
}

/**
 * Commits by every SQLite store of this process. A store's memory forgets the subjects its own
 * writer's transactions touched as they commit; this count tells it that another store of the
 * process (on the same file, perhaps) committed, which it could not otherwise learn before its
 * next look.
 */
let commitsInProcess = 0;

/**
 * What the reader connection last read of subjects (profile, current consent view, sends),
 * for dry runs and other reads outside transactions: a subject decided request after request is
 * read and opened once, not once per request.
 *
 * A memo is only ever right while nothing of its subject was committed. Every row it holds is
 * a subject's own (read `WHERE subject_id = ?`), and every write of this store's transactions
 * goes through a part for its subject, so a commit of this store's writer forgets exactly the
 * subjects it touched, an erased subject included. Any other commit forgets everything: another
 * store of this process is counted at once; another process is seen by a look at SQLite's
 * `data_version` on the writer connection, which changes only when a connection other than the
 * writer commits, taken once per turn of the event loop: whatever another process committed
 * before a request reached this one (its answer travelled through the event loop, so in an
 * earlier turn) is seen by that request's reads. So a read through it returns what a fresh read
 * would, and the consent ledger is never used past a change.
 *
 * Values handed out are shared: callers treat them as read-only (their types say so).
 */
export class ReaderMemory {
  readonly #memos = new Map<string, ReadMemo>();
  readonly #dataVersion: Database.Statement<[], number>;
  #seenVersion: number | undefined;
  /** Whether `data_version` was read in this turn of the event loop. */
  #looked = false;
  /** Commits of this process not made by this store's writer, when last looked. */
  #seenForeign = 0;
  /** Commits made by this store's writer. */
  #ownCommits = 0;

  /** `writer`: the store's writer connection, whose `data_version` tells of other writers. */
  constructor(
    writer: Database.Database,
    private readonly limit: number,
  ) {
    this.#dataVersion = writer.prepare<[], number>("PRAGMA data_version").pluck();
    this.#seenForeign = commitsInProcess;
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

  /**
   * After the store's own writer committed a transaction touching `subjectIds`: those subjects
   * are forgotten here, and every other store of the process forgets everything.
   */
  committed(subjectIds: Iterable<string>): void {
    commitsInProcess += 1;
    this.#ownCommits += 1;
    for (const subjectId of subjectIds) this.#memos.delete(subjectId);
  }

  forgetAll(): void {
    this.#memos.clear();
  }

  /**
   * The subject's memo (a fresh one after any commit). Past the limit the subject remembered
   * longest is forgotten: a plain bound on memory, as any commit empties it all anyway.
   */
  #memo(subjectId: string): ReadMemo {
    if (!this.#looked || this.#seenForeign !== this.#foreignCommits()) this.#look();
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

  #foreignCommits(): number {
    return commitsInProcess - this.#ownCommits;
  }

  #look(): void {
    const version = this.#dataVersion.get();
    const foreign = this.#foreignCommits();
    if (version !== this.#seenVersion || foreign !== this.#seenForeign) {
      this.#memos.clear();
      this.#seenVersion = version;
      this.#seenForeign = foreign;
    }
    if (this.#looked) return;
    this.#looked = true;
    setImmediate(() => {
      this.#looked = false;
    });
  }
}
