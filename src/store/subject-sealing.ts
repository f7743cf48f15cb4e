import {
  isSealed,
  SubjectCipher,
  type SubjectCrypto,
  type SubjectKey,
} from "../privacy/subject-crypto.ts";

/** Where a store keeps subject keys (wrapped by the master key). */
export interface KeyStore {
  /** The subject's wrapped key, or undefined when it has none (never had one, or erased). */
  read(subjectId: string): Promise<string | undefined>;
  /** Stores a new wrapped key; called only inside the subject's transaction. */
  create(subjectId: string, wrapped: string, at: number): Promise<void>;
}

/**
 * What a sealing has learnt of its subject: the key (null when there is none, undefined when not
 * read yet) and the tombstone (undefined when not worked out yet).
 */
export interface SealingState {
  readonly key: SubjectKey | null | undefined;
  readonly tombstone: string | undefined;
}

type Sealer = (text: string) => string;
type Opener = (sealed: string) => string;

/** Stands in for a consent record's evidence once the subject was erased. */
export const ERASED_EVIDENCE = "(erased)";

/**
 * One subject's sealing for the life of one transaction (or one read outside any): the key is
 * read and unwrapped at most once, and created on the first write that needs it. Values written
 * before sealing existed are not sealed and read back as they are.
 */
export class SubjectSealing {
  #key: SubjectKey | null | undefined;
  #tombstone: string | undefined;
  /** The cipher of the current key, made once for the many values a transaction seals. */
  #cipher: { readonly key: SubjectKey; readonly seal: Sealer; readonly open: Opener } | undefined;

  constructor(
    readonly subjectId: string,
    private readonly crypto: SubjectCrypto,
    private readonly keys: KeyStore,
    private readonly now: () => number = Date.now,
    known?: SealingState,
  ) {
    this.#key = known?.key;
    this.#tombstone = known?.tombstone;
  }

  /** What this sealing knows now, to start a later one of the same subject from. */
  state(): SealingState {
    return { key: this.#key, tombstone: this.#tombstone };
  }

  /** The subject's key, or undefined when there is none. */
  async key(): Promise<SubjectKey | undefined> {
    if (this.#key === undefined) {
      const wrapped = await this.keys.read(this.subjectId);
      this.#key = wrapped === undefined ? null : this.crypto.unwrap(this.subjectId, wrapped);
    }
    return this.#key ?? undefined;
  }

  /** Seals with the subject's key, creating it on first use. */
  async sealer(): Promise<(text: string) => string> {
    let key = await this.key();
    if (key === undefined) {
      const made = this.crypto.newKey(this.subjectId);
      await this.keys.create(this.subjectId, made.wrapped, this.now());
      key = made.key;
      this.#key = key;
    }
    return this.#cipherOf(key).seal;
  }

  /**
   * The sealer, when the key is known already (read or made earlier): no read to wait for, so a
   * transaction sealing value after value does not wait on a promise for each.
   */
  knownSealer(): Sealer | undefined {
    const key = this.#key;
    return key === undefined || key === null ? undefined : this.#cipherOf(key).seal;
  }

  /**
   * Opens sealed values: plaintext (written before sealing) as it is; sealed ones with the key;
   * undefined when the key is gone (the subject was erased).
   */
  async opener(): Promise<(value: string) => string | undefined> {
    const key = await this.key();
    const open = key === undefined ? undefined : this.#cipherOf(key).open;
    return (value) => {
      if (!isSealed(value)) return value;
      return open === undefined ? undefined : open(value);
    };
  }

  #cipherOf(key: SubjectKey) {
    if (this.#cipher?.key !== key) {
      const cipher = new SubjectCipher(key, this.subjectId);
      this.#cipher = { key, seal: cipher.seal.bind(cipher), open: cipher.open.bind(cipher) };
    }
    return this.#cipher;
  }

  /** The keyed hash that stands for this subject once erased. */
  tombstone(): string {
    this.#tombstone ??= this.crypto.tombstone(this.subjectId);
    return this.#tombstone;
  }

  /** After the key was destroyed in this transaction. */
  forgetKey(): void {
    this.#key?.fill(0);
    this.#key = null;
    this.#cipher = undefined;
  }
}
