import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { KEY_BYTES } from "./subject-crypto.ts";

/** The environment variable that holds the master key in production. */
export const MASTER_KEY_ENV = "ASSENT_MASTER_KEY";

/** The key file's name in the data folder (beside the SQLite file by default). */
export const MASTER_KEY_FILE = "master.key";

/**
 * Parses a master key: 32 bytes as 64 hex digits or as base64 (44 characters).
 *
 * @example parseMasterKey("00".repeat(32)).length // 32
 */
export function parseMasterKey(text: string, where = MASTER_KEY_ENV): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  const canonical = /^[A-Za-z0-9+/]{43}=$/.test(trimmed) || /^[0-9a-fA-F]{64}$/.test(trimmed);
  if (!canonical || key.length !== KEY_BYTES) {
    throw new Error(
      `${where} must be a 256-bit key: 64 hex digits or 44 base64 characters (make one with: openssl rand -base64 32)`,
    );
  }
  return key;
}

/**
 * The master key that wraps every subject key: `ASSENT_MASTER_KEY` when set; otherwise the key
 * file `keyFile`, created with a fresh random key (mode 0600) on first start. The file is a
 * development default: a database copied without it cannot be read, but anyone holding both
 * can read every subject not yet erased, so production sets the variable from a secret store.
 */
export function resolveMasterKey(keyFile: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const found = findMasterKey(keyFile, env);
  if (found !== undefined) return found;
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileSync(keyFile, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process created it first: use theirs.
    if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    return parseMasterKey(readFileSync(keyFile, "utf8"), keyFile);
  }
  chmodSync(keyFile, 0o600);
  return key;
}

/** The master key from `ASSENT_MASTER_KEY` or the key file `keyFile`; undefined when neither. */
export function findMasterKey(
  keyFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Buffer | undefined {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseMasterKey(fromEnv);
  if (existsSync(keyFile)) return parseMasterKey(readFileSync(keyFile, "utf8"), keyFile);
  return undefined;
}

/** A database's master key is needed but none was found, and a read-only open makes none. */
export class MasterKeyMissingError extends Error {
  override readonly name = "MasterKeyMissingError";
}

/**
 * The master key for an open that only reads: as {@link resolveMasterKey}, but never a new key
 * file. A new key could open nothing already sealed, and its file beside a copied database would
 * make the real key look wrong later. When none is found, a function that throws
 * {@link MasterKeyMissingError} on first use, so reads that need no key (the hash chain, timers)
 * still work and one that must open sealed data says what is missing.
 *
 * @example existingMasterKey("/tmp/master.key", "/tmp/copy.db", "master.key is not beside it")
 */
export function existingMasterKey(
  keyFile: string,
  database: string,
  whereMissing: string,
  env: NodeJS.ProcessEnv = process.env,
): Buffer | (() => never) {
  const found = findMasterKey(keyFile, env);
  if (found !== undefined) return found;
  const message =
    `no master key for ${database}: ${whereMissing} and ${MASTER_KEY_ENV} is not set; ` +
    `set ${MASTER_KEY_ENV} to the key the database was written with`;
  return () => {
    throw new MasterKeyMissingError(message);
  };
}
