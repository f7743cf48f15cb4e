import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/**
 * Crypto-shredding (DESIGN.md, "Trust features"): every subject's personal data at rest is sealed
 * with AES-256-GCM under a key of that subject's own, and that key is stored wrapped (sealed) by
 * the master key. Erasure destroys the wrapped key, so whatever ciphertext remains — in the
 * decision log, which is never changed, or in free pages of a database file — can never be read
 * again. A keyed hash of the subject id (the tombstone) remembers the erasure without keeping a
 * readable list of the people who asked for it.
 */

/** Sealed text starts with this: a version tag that plaintext JSON can never start with. */
export const SEALED_PREFIX = "s1.";

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A master or subject key: 256 bits. */
export const KEY_BYTES = 32;

/** A subject's data key, unwrapped (only ever held in memory, for one transaction). */
export type SubjectKey = Buffer;

/** The two keys derived from a master key. */
interface DerivedKeys {
  readonly wrap: Buffer;
  readonly tombstone: Buffer;
}

/**
 * The keys derived from one master key: one to wrap subject keys, one for tombstones. Derived
 * with HKDF so that neither use can be turned against the other. The master key may be a
 * function, asked on first use: a read-only open that found no key passes one that throws, so
 * that only a read needing the key fails.
 */
export class SubjectCrypto {
  #keys: DerivedKeys | (() => Buffer);

  constructor(masterKey: Buffer | (() => Buffer)) {
    this.#keys = typeof masterKey === "function" ? masterKey : deriveAll(masterKey);
  }

  /** A fresh random key for a subject and its wrapped form, to store. */
  newKey(subjectId: string): { key: SubjectKey; wrapped: string } {
    const key = randomBytes(KEY_BYTES);
    return { key, wrapped: this.wrap(subjectId, key) };
  }

  /** The subject key sealed by the master key, bound to the subject id. */
  wrap(subjectId: string, key: SubjectKey): string {
    return seal(this.#derived().wrap, Buffer.from(subjectId, "utf8"), key);
  }

  /** Unwraps a stored key; throws when the master key is not the one that wrapped it. */
  unwrap(subjectId: string, wrapped: string): SubjectKey {
    const wrapKey = this.#derived().wrap;
    try {
      return open(wrapKey, Buffer.from(subjectId, "utf8"), wrapped);
    } catch {
      throw new Error(
        "a subject key does not unwrap: the master key (ASSENT_MASTER_KEY) differs from the one the database was written with",
      );
    }
  }

  /**
   * The keyed hash (HMAC-SHA-256, hex) that stands for an erased subject.
   *
   * @example crypto.tombstone("s-1").length // 64
   */
  tombstone(subjectId: string): string {
    const { tombstone } = this.#derived();
    return createHmac("sha256", tombstone).update(subjectId, "utf8").digest("hex");
  }

  #derived(): DerivedKeys {
    if (typeof this.#keys === "function") this.#keys = deriveAll(this.#keys());
    return this.#keys;
  }
}

function deriveAll(masterKey: Buffer): DerivedKeys {
  if (masterKey.length !== KEY_BYTES) {
    throw new RangeError(`the master key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
  }
  return {
    wrap: derive(masterKey, "assent subject-key wrap v1"),
    tombstone: derive(masterKey, "assent erasure tombstone v1"),
  };
}

function derive(masterKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), info, KEY_BYTES));
}

/**
 * Seals `text` for a subject: `s1.` and base64url of IV, tag and ciphertext. The subject id is
 * the additional data, so a ciphertext moved to another subject's row does not open.
 *
 * @example openText(key, "s-1", sealText(key, "s-1", "ada@example.com")) // "ada@example.com"
 */
export function sealText(key: SubjectKey, subjectId: string, text: string): string {
  return seal(key, Buffer.from(subjectId, "utf8"), text);
}

/** Opens what {@link sealText} sealed; throws when the key or subject is not the sealing one. */
export function openText(key: SubjectKey, subjectId: string, sealed: string): string {
  return open(key, Buffer.from(subjectId, "utf8"), sealed).toString("utf8");
}

/**
 * {@link sealText} and {@link openText} for one subject and key, for many values in a row: the
 * subject id is encoded once. Each seal still draws a fresh IV.
 *
 * @example const cipher = new SubjectCipher(key, "s-1"); cipher.open(cipher.seal("x")) // "x"
 */
export class SubjectCipher {
  readonly #key: SubjectKey;
  readonly #aad: Buffer;

  constructor(key: SubjectKey, subjectId: string) {
    this.#key = key;
    this.#aad = Buffer.from(subjectId, "utf8");
  }

  seal(text: string): string {
    return seal(this.#key, this.#aad, text);
  }

  open(sealed: string): string {
    return open(this.#key, this.#aad, sealed).toString("utf8");
  }
}

/** Whether a stored value is sealed (rather than plaintext written before sealing existed). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/**
 * Random IVs drawn from a pool filled in one call: a CSPRNG call per seal cost more than the
 * cipher itself on the replay path. Each IV is still 96 fresh random bits, used once.
 */
const IV_POOL_BYTES = IV_BYTES * 512;
let ivPool = randomBytes(IV_POOL_BYTES);
let ivOffset = 0;

function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL_BYTES) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/**
 * `aad` is the subject id as UTF-8. The sealed bytes are IV, tag and ciphertext, in one buffer.
 * Text goes to the cipher as it is (no buffer of its UTF-8 made first).
 */
function seal(key: Buffer, aad: Buffer, plaintext: Buffer | string): string {
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const body =
    typeof plaintext === "string" ? cipher.update(plaintext, "utf8") : cipher.update(plaintext);
  // GCM is a stream mode: update gives back every byte, and final none (it makes the tag).
  const tail = cipher.final();
  const sealed = Buffer.allocUnsafe(IV_BYTES + TAG_BYTES + body.length + tail.length);
  iv.copy(sealed, 0);
  cipher.getAuthTag().copy(sealed, IV_BYTES);
  tail.copy(sealed, IV_BYTES + TAG_BYTES + body.copy(sealed, IV_BYTES + TAG_BYTES));
  return SEALED_PREFIX + sealed.toString("base64url");
}

function open(key: Buffer, aad: Buffer, sealed: string): Buffer {
  if (!isSealed(sealed)) throw new Error("the value is not sealed");
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
