import { hash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { AppError } from "../app/errors.ts";
import type { ApiKey, Scope } from "./http-config.ts";

/** A configured key as the server holds it: the SHA-256 of its secret, never the secret. */
interface HeldKey {
  readonly id: string;
  readonly digest: Buffer;
  readonly scopes: ReadonlySet<Scope>;
}

/**
 * An `onRequest` hook that lets the request through or fails it with `unauthorized` /
 * `forbidden`. It names the scopes it admits, for the OpenAPI document. A callback hook, not an
 * async one: it does no I/O, and a promise per request is measurable on the decide path.
 */
export type ScopeGuard = ((
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void) & {
  readonly scopes: readonly Scope[];
};

/** Builds guards for routes: `guard("read", "consent")` admits a key with either scope. */
export type GuardFactory = (...scopes: Scope[]) => ScopeGuard;

const BEARER = /^Bearer +(\S+) *$/i;

function digest(secret: string): Buffer {
  return hash("sha256", secret, "buffer");
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

/** How a route asks for its key, for the 401 answer: the challenge and a hint in words. */
export interface Challenge {
  readonly header: string;
  readonly hint: string;
}

const BEARER_CHALLENGE: Challenge = {
  header: 'Bearer realm="assent"',
  hint: "send a valid API key as Authorization: Bearer <key>",
};

/**
 * Lets a request through or throws `unauthorized` / `forbidden`, for a secret the route read
 * itself (a Segment write key arrives as a Basic user name or in the body).
 */
export type Authorize = (
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string | undefined,
  scopes: readonly Scope[],
  challenge?: Challenge,
) => void;

/**
 * Checks presented secrets against the configured keys, as the guards do.
 *
 * @example
 * const authorize = createAuthorizer(config.keys);
 * authorize(request, reply, writeKey, ["ingest"], { header: 'Basic realm="assent"', hint });
 */
export function createAuthorizer(keys: readonly ApiKey[]): Authorize {
  const held = keys.map((key) => ({
    id: key.id,
    digest: digest(key.secret),
    scopes: new Set(key.scopes),
  }));

  return (request, reply, secret, scopes, challenge = BEARER_CHALLENGE) => {
    const key = secret === undefined ? undefined : findKey(held, secret);
    if (key === undefined) {
      reply.header("www-authenticate", challenge.header);
      throw new AppError("unauthorized", challenge.hint);
    }

    request.keyId = key.id;
    if (!admits(key, scopes)) {
      throw new AppError("forbidden", `this key lacks the scope ${scopes.join(" or ")}`);
    }
  };
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
  const authorize = createAuthorizer(keys);
  return (...scopes) => {
    const guard = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        authorize(request, reply, presentedSecret(request), scopes);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      done();
    };
    return Object.assign(guard, { scopes });
  };
}
