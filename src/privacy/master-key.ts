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
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseMasterKey(fromEnv);
  if (existsSync(keyFile)) return parseMasterKey(readFileSync(keyFile, "utf8"), keyFile);
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
