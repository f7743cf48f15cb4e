import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../app/errors.ts";
import type { ApiKey, Scope } from "./http-config.ts";

/** A configured key as the server holds it: the SHA-256 of its secret, never the secret. */
interface HeldKey {
  readonly id: string;
  readonly digest: Buffer;
  readonly scopes: ReadonlySet<Scope>;
}

/**
 * An `onRequest` hook that lets the request through or throws `unauthorized` / `forbidden`.
 * It names the scopes it admits, for the OpenAPI document.
 */
export type ScopeGuard = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
  readonly scopes: readonly Scope[];
};

/** Builds guards for routes: `guard("read", "consent")` admits a key with either scope. */
export type GuardFactory = (...scopes: Scope[]) => ScopeGuard;

const BEARER = /^Bearer +(\S+) *$/i;

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/**
 * Finds the key whose secret was presented. Comparing fixed-length digests with
 * `timingSafeEqual`, and comparing every key rather than stopping at the first match, keeps the
 * time spent independent of how much of a guess was right and of which key matched.
 */
function findKey(keys: readonly HeldKey[], presented: string): HeldKey | undefined {
  const candidate = digest(presented);
  let found: HeldKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, candidate) && found === undefined) {
      found = key;
    }
  }
  return found;
}

function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

function admits(key: HeldKey, scopes: readonly Scope[]): boolean {
  return key.scopes.has("admin") || scopes.some((scope) => key.scopes.has(scope));
}

/**
 * Holds the configured keys and returns a factory of per-route guards. A request without a
 * valid key is refused with 401 (and a `WWW-Authenticate: Bearer` challenge, RFC 6750); a valid
 * key without the route's scope gets 403. The matched key's id is kept on the request for logs.
 *
 * @example
 * const guard = createGuards(config.keys);
 * server.get("/v1/reviews", { onRequest: guard("review") }, handler);
 */
export function createGuards(keys: readonly ApiKey[]): GuardFactory {
  const held = keys.map((key) => ({
    id: key.id,
    digest: digest(key.secret),
    scopes: new Set(key.scopes),
  }));

  return (...scopes) =>
    Object.assign(
      async (request: FastifyRequest, reply: FastifyReply) => {
        const secret = presentedSecret(request);
        const key = secret === undefined ? undefined : findKey(held, secret);
        if (key === undefined) {
          reply.header("www-authenticate", 'Bearer realm="assent"');
          throw new AppError("unauthorized", "send a valid API key as Authorization: Bearer <key>");
        }

        request.keyId = key.id;
        if (!admits(key, scopes)) {
          throw new AppError("forbidden", `this key lacks the scope ${scopes.join(" or ")}`);
        }
      },
      { scopes },
    );
}
