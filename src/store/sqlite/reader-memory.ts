import type Database from "better-sqlite3";
import type { ConsentView, Instant, Profile, SendRecord } from "../../engine/types.ts";

/** What reads outside transactions last returned for one subject. */
interface ReadMemo {
  profile?: Profile;
  consent?: ConsentView;
  sends?: { readonly since: Instant; readonly records: readonly SendRecord[] };
}

/**
 * What the reader connection last read of subjects (profile, current consent view, sends),
 * for dry runs and other reads outside transactions: a subject decided request after request is
 * read and opened once, not once per request.
 *
 * It is only ever right while nothing was committed: SQLite's `data_version` on the reader tells
 * whether any connection (this store's writer or another process) committed since the last look,
 * and then everything is forgotten. The look costs a read transaction, so reads started together
 * (a dry run's profile, consent view and sends, in one `Promise.all`) share one: it holds until
 * the running code yields, and any read after an `await` looks again. The store also forgets
 * everything as soon as its own writer commits, so that an erased subject's opened profile does
 * not outlive the erasure in memory. So a read through it returns what a fresh read would, and
 * the consent ledger is never used past a change.
 *
 * Values handed out are shared: callers treat them as read-only (their types say so).
 */
export class ReaderMemory {
  readonly #memos = new Map<string, ReadMemo>();
  readonly #dataVersion: Database.Statement<[], number>;
  #seenVersion: number | undefined;
  /** Whether `data_version` was read since the running code last yielded. */
  #looked = false;

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

  forgetAll(): void {
    this.#memos.clear();
  }

  /** The subject's memo (a fresh one after any commit), refreshed as the most recently used. */
  #memo(subjectId: string): ReadMemo {
    if (!this.#looked) this.#look();
    const memo = this.#memos.get(subjectId) ?? {};
    this.#memos.delete(subjectId);
    this.#memos.set(subjectId, memo);
    if (this.#memos.size > this.limit) {
      const [oldest] = this.#memos.keys();
      if (oldest !== undefined) this.#memos.delete(oldest);
    }
    return memo;
  }

  #look(): void {
    const version = this.#dataVersion.get();
    if (version !== this.#seenVersion) {
      this.#memos.clear();
      this.#seenVersion = version;
    }
    this.#looked = true;
    queueMicrotask(() => {
      this.#looked = false;
    });
  }
}
