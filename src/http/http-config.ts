import { z } from "zod";

/**
 * What an API key may do. `admin` implies every other scope. `read` covers the read-only routes
 * (consent views, decisions); `consent` may also read the consent view it writes; `metrics` may
 * scrape `/metrics` and nothing else.
 */
export const SCOPES = [
  "ingest",
  "decide",
  "consent",
  "review",
  "read",
  "metrics",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

/** One API key from configuration. The id goes into logs; the secret never does. */
export const ApiKey = z.strictObject({
  id: z.string().min(1).max(100),
  secret: z.string().min(32, "at least 32 characters").max(512),
  scopes: z.array(z.enum(SCOPES)).min(1),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** One mebibyte: the default request body limit. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * The HTTP server's configuration. Keys come from validated configuration, never from source.
 *
 * @example
 * const config = HttpConfig.parse({ keys: [{ id: "crm", secret, scopes: ["ingest"] }] });
 */
export const HttpConfig = z.strictObject({
  keys: z
    .array(ApiKey)
    .refine((keys) => new Set(keys.map((key) => key.id)).size === keys.length, "key ids repeat"),
  bodyLimit: z
    .int()
    .min(1024)
    .max(64 * DEFAULT_BODY_LIMIT)
    .default(DEFAULT_BODY_LIMIT),
  /** `/metrics` needs a key with scope `metrics` (`key`), or is served to anyone (`open`). */
  metricsAccess: z.enum(["key", "open"]).default("key"),
});
export type HttpConfig = z.input<typeof HttpConfig>;
