import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The folder of the team's shared test data (Hillstrom, IAB TCF vectors, RFC 8058 and GPC
 * cases), which is never copied into this repository: `ASSENT_SHARED_DATA` when set, else
 * `../shared/data` beside the checkout. A missing folder stops the test with the fix.
 */
export function sharedDataDir(): string {
  const dir = process.env.ASSENT_SHARED_DATA ?? join(repoRoot, "..", "shared", "data");
  if (!existsSync(dir)) {
    throw new Error(
      `shared test data not found at ${dir}: set ASSENT_SHARED_DATA to the folder that holds hillstrom.csv`,
    );
  }
  return dir;
}

/** The path of one shared data file, e.g. `sharedDataFile("hillstrom.csv")`. */
export function sharedDataFile(name: string): string {
  const path = join(sharedDataDir(), name);
  if (!existsSync(path)) {
    throw new Error(`shared test data file ${name} not found in ${sharedDataDir()}`);
  }
  return path;
}
