/**
 * Where the link secret comes from. `ASSENT_LINK_SECRET` wins. Without it, a one-machine
 * install (SQLite) keeps a generated secret in the data folder (mode 0600), so a fresh install
 * works with no set-up and links survive restarts; several replicas (PostgreSQL) must share one
 * secret, so there the variable is required and start-up stops without it. The secret is never
 * logged or printed.
 */

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { MIN_LINK_SECRET_LENGTH } from "./links.ts";

/** The environment variable that holds the link secret. */
export const LINK_SECRET_ENV = "ASSENT_LINK_SECRET";

export interface LinkSecretSource {
  /** The value of `ASSENT_LINK_SECRET`, if set. */
  readonly env: string | undefined;
  readonly dataDir: string;
  /** May a missing secret be generated into the data folder (one machine only)? */
  readonly mayGenerate: boolean;
}

export interface ResolvedLinkSecret {
  readonly secret: string;
  readonly origin: "env" | "file" | "generated";
  /** The file, for `file` and `generated`. */
  readonly path?: string;
}

/**
 * The link secret from the environment, else from `DATA_DIR/link-secret`, else (when allowed)
 * a new random one written there.
 *
 * @example resolveLinkSecret({ env: process.env.ASSENT_LINK_SECRET, dataDir: ".assent", mayGenerate: true })
 */
export function resolveLinkSecret(source: LinkSecretSource): ResolvedLinkSecret {
  if (source.env !== undefined && source.env !== "") {
    return { secret: checked(source.env, LINK_SECRET_ENV), origin: "env" };
  }
  const path = join(source.dataDir, "link-secret");
  if (existsSync(path)) {
    return { secret: checked(readFileSync(path, "utf8").trim(), path), origin: "file", path };
  }
  if (!source.mayGenerate) {
    throw new Error(
      `no link secret: set ${LINK_SECRET_ENV} (at least ${MIN_LINK_SECRET_LENGTH} characters, the same wherever links are made and opened), or start assent serve on SQLite once to generate ${path}`,
    );
  }
  const secret = randomBytes(32).toString("base64url");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return { secret, origin: "generated", path };
}

function checked(secret: string, where: string): string {
  if (secret.length < MIN_LINK_SECRET_LENGTH) {
    throw new Error(
      `the link secret in ${where} must be at least ${MIN_LINK_SECRET_LENGTH} characters; it has ${secret.length}`,
    );
  }
  return secret;
}
