import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { ApiKey } from "../http/http-config.ts";

const KeyFile = z.strictObject({ keys: z.array(ApiKey).min(1) });

/**
 * Reads the API keys file, or creates it with one admin key on first start (mode 0600), so
 * that a fresh install is usable and never runs without keys.
 */
export function loadOrCreateApiKeys(path: string): { keys: ApiKey[]; created: boolean } {
  if (existsSync(path)) {
    const parsed = KeyFile.safeParse(parse(readFileSync(path, "utf8")));
    if (!parsed.success) {
      const where = parsed.error.issues.map(
        (issue) => `/${issue.path.join("/")}: ${issue.message}`,
      );
      throw new Error(`${path} is not a valid API key file:\n  ${where.join("\n  ")}`);
    }
    return { keys: parsed.data.keys, created: false };
  }
  const keys: ApiKey[] = [
    { id: "local-admin", secret: randomBytes(32).toString("base64url"), scopes: ["admin"] },
  ];
  mkdirSync(dirname(path), { recursive: true });
  const header = "# Assent API keys: id (logged), secret (never logged), scopes.\n";
  writeFileSync(path, header + stringify({ keys }), { mode: 0o600 });
  return { keys, created: true };
}
