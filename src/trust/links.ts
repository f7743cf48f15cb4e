/**
 * Signed links for the subject: the preference centre link (expiring) and the one-click
 * unsubscribe token (RFC 8058, no expiry). Both tokens are opaque: the subject id is encrypted
 * (AES-256-GCM) and the whole token is authenticated with HMAC-SHA256, each with its own key
 * derived from the configured secret by HKDF. A token of one kind never reads as the other.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { z } from "zod";
import { parseDuration } from "../playbook/durations.ts";

/** Shortest accepted link secret, in characters. */
export const MIN_LINK_SECRET_LENGTH = 32;

/** Configuration of the link signer. `publicUrl` is where subjects reach this service. */
export interface TrustLinksConfig {
  /** At least 32 characters; from `ASSENT_LINK_SECRET`. Never logged. */
  readonly secret: string;
  /** Base URL subjects reach, `https://…` (plain `http` only on a loopback host, for dev). */
  readonly publicUrl: string;
  /**
   * Mailbox for `mailto:` unsubscribes (`ASSENT_UNSUBSCRIBE_MAILBOX` in `serve`); default
   * `unsubscribe@` the public host. Assent reads no mail: what arrives there is for the
   * sending system to turn into `POST /unsubscribe/TOKEN` (the token is the subject's last word).
   */
  readonly unsubscribeMailbox?: string;
  readonly now?: () => Date;
}

/** A freshly issued preference centre link. */
export interface PreferenceLink {
  readonly url: string;
  readonly token: string;
  /** Identifies this link; CSRF tokens are bound to it. Not secret, not personal. */
  readonly linkId: string;
  readonly expiresAt: Date;
}

/** What a preference token says: valid, expired (the subject is still known) or tampered. */
export type PreferenceLinkReading =
  | {
      readonly status: "valid";
      readonly subjectId: string;
      readonly linkId: string;
      readonly expiresAt: Date;
    }
  | {
      readonly status: "expired";
      readonly subjectId: string;
      readonly linkId: string;
      readonly expiresAt: Date;
    }
  | { readonly status: "tampered" };

/** What an unsubscribe token says. Unsubscribe tokens do not expire. */
export type UnsubscribeTokenReading =
  | { readonly status: "valid"; readonly subjectId: string }
  | { readonly status: "tampered" };

/** The link signer handed to routes, the CLI and connectors. */
export interface TrustLinks {
  /** A link to the subject's preference centre, valid for `ttl` (ms or a duration like `7d`). */
  preferenceLink(subjectId: string, ttl: number | string): PreferenceLink;
  readPreferenceLink(token: string): PreferenceLinkReading;
  /** The https URL for `List-Unsubscribe`; the same URL every time for one subject. */
  unsubscribeUrl(subjectId: string): string;
  readUnsubscribeToken(token: string): UnsubscribeTokenReading;
  /** The `mailto:` alternative for `List-Unsubscribe`, carrying the same opaque token. */
  unsubscribeMailto(subjectId: string): string;
  /**
   * The anti-forgery token of the preference centre's forms, bound to one link and subject:
   * an HMAC, so a page served for one link never yields a token another link accepts.
   */
  formToken(linkId: string, subjectId: string): string;
  checkFormToken(token: string, linkId: string, subjectId: string): boolean;
  /** The public URL links start with, without a trailing slash. */
  readonly publicUrl: string;
  /** The path prefix of each kind of link, for routing. */
  readonly paths: { readonly preference: string; readonly unsubscribe: string };
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAC_BYTES = 32;
/** Longest token accepted before any crypto work, so junk input costs nothing. */
const MAX_TOKEN_LENGTH = 2048;

type Kind = "pref" | "unsub" | "form";

interface KindKeys {
  readonly enc: Buffer;
  readonly mac: Buffer;
  readonly iv: Buffer;
}

/**
 * Builds the link signer from configuration. Throws a clear error for a short secret or a
 * public URL that subjects could not safely use.
 *
 * @example
 * const links = createTrustLinks({ secret: process.env.ASSENT_LINK_SECRET ?? "", publicUrl: "https://assent.example.com" });
 * links.unsubscribeUrl("s-1"); // "https://assent.example.com/unsubscribe/v1.…"
 */
export function createTrustLinks(config: TrustLinksConfig): TrustLinks {
  checkSecret(config.secret);
  const base = checkPublicUrl(config.publicUrl);
  const now = config.now ?? (() => new Date());
  const keys = {
    pref: deriveKeys(config.secret, "pref"),
    unsub: deriveKeys(config.secret, "unsub"),
  };
  const formKey = deriveKeys(config.secret, "form").mac;
  const formToken = (linkId: string, subjectId: string) =>
    createHmac("sha256", formKey).update(`${linkId}\u0000${subjectId}`).digest("base64url");
  const mailbox =
    checkMailbox(config.unsubscribeMailbox) ?? `unsubscribe@${new URL(base).hostname}`;
  const paths = { preference: "/preferences/", unsubscribe: "/unsubscribe/" } as const;

  const unsubscribeToken = (subjectId: string): string => {
    checkSubjectId(subjectId);
    const plain = Buffer.from(subjectId, "utf8");
    return seal("unsub", keys.unsub, plain, syntheticIv(keys.unsub, plain));
  };

  return {
    paths,
    publicUrl: base,
    formToken,
    checkFormToken(token, linkId, subjectId) {
      const given = Buffer.from(token);
      const expected = Buffer.from(formToken(linkId, subjectId));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    preferenceLink(subjectId, ttl) {
      checkSubjectId(subjectId);
      const expiresAt = new Date(now().getTime() + ttlMs(ttl));
      const linkId = randomBytes(9).toString("base64url");
      const plain = Buffer.from(
        JSON.stringify({ s: subjectId, e: expiresAt.getTime(), l: linkId }),
      );
      const token = seal("pref", keys.pref, plain, randomBytes(IV_BYTES));
      return { url: `${base}${paths.preference}${token}`, token, linkId, expiresAt };
    },
    readPreferenceLink(token) {
      const plain = open("pref", keys.pref, token);
      const claims = plain === undefined ? undefined : preferenceClaims(plain);
      if (claims === undefined) return { status: "tampered" };
      const expiresAt = new Date(claims.e);
      const status = now().getTime() < claims.e ? "valid" : "expired";
      return { status, subjectId: claims.s, linkId: claims.l, expiresAt };
    },
    unsubscribeUrl: (subjectId) => `${base}${paths.unsubscribe}${unsubscribeToken(subjectId)}`,
    readUnsubscribeToken(token) {
      const plain = open("unsub", keys.unsub, token);
      // The IV is an HMAC of the subject id: a token whose IV does not match was not issued here.
      if (plain === undefined || !syntheticIv(keys.unsub, plain).equals(ivOf(token))) {
        return { status: "tampered" };
      }
      return { status: "valid", subjectId: plain.toString("utf8") };
    },
    unsubscribeMailto: (subjectId) =>
      `mailto:${mailbox}?subject=${encodeURIComponent(`unsubscribe ${unsubscribeToken(subjectId)}`)}`,
  };
}

function checkSecret(secret: string): void {
  if (secret.length < MIN_LINK_SECRET_LENGTH) {
    throw new Error(
      `the link secret (ASSENT_LINK_SECRET) must be at least ${MIN_LINK_SECRET_LENGTH} characters; got ${secret.length}`,
    );
  }
}

function checkPublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `the public URL must be an absolute URL such as https://assent.example.com; got "${text}"`,
    );
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new Error(`the public URL must use https (plain http only on localhost); got "${text}"`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new Error(`the public URL must not carry a query or fragment; got "${text}"`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** A bare address (`unsubscribe@mail.example.com`): it goes into a `mailto:` URI as it is. */
function checkMailbox(mailbox: string | undefined): string | undefined {
  if (mailbox === undefined || /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(mailbox)) {
    return mailbox;
  }
  throw new Error(
    `the unsubscribe mailbox (ASSENT_UNSUBSCRIBE_MAILBOX) must be a bare address such as unsubscribe@mail.example.com; got "${mailbox}"`,
  );
}

function checkSubjectId(subjectId: string): void {
  if (subjectId.length === 0 || subjectId.length > 256) {
    throw new Error("subjectId must be 1 to 256 characters");
  }
}

function ttlMs(ttl: number | string): number {
  const ms = typeof ttl === "number" ? ttl : parseDuration(ttl);
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new Error(
      `the link lifetime must be a positive duration such as 7d or 24h; got "${ttl}"`,
    );
  }
  return ms;
}

function deriveKeys(secret: string, kind: Kind): KindKeys {
  const derive = (use: string): Buffer =>
    Buffer.from(
      hkdfSync("sha256", secret, "assent-trust-links", `assent/${kind}/${use}/${VERSION}`, 32),
    );
  return { enc: derive("enc"), mac: derive("mac"), iv: derive("iv") };
}

function syntheticIv(keys: KindKeys, plain: Buffer): Buffer {
  return createHmac("sha256", keys.iv).update(plain).digest().subarray(0, IV_BYTES);
}

function mac(kind: Kind, keys: KindKeys, body: string): Buffer {
  return createHmac("sha256", keys.mac).update(`${VERSION}.${kind}.${body}`).digest();
}

/** `v1.<iv ‖ ciphertext ‖ gcm tag>.<hmac>`, all base64url. */
function seal(kind: Kind, keys: KindKeys, plain: Buffer, iv: Buffer): string {
  const cipher = createCipheriv("aes-256-gcm", keys.enc, iv);
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  const body = sealed.toString("base64url");
  return `${VERSION}.${body}.${mac(kind, keys, body).toString("base64url")}`;
}

function open(kind: Kind, keys: KindKeys, token: string): Buffer | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const [version, body, tag, ...rest] = token.split(".");
  if (version !== VERSION || body === undefined || tag === undefined || rest.length > 0) {
    return undefined;
  }
  const given = canonical(tag);
  if (
    given === undefined ||
    given.length !== MAC_BYTES ||
    !timingSafeEqual(given, mac(kind, keys, body))
  )
    return undefined;

  const sealed = canonical(body);
  if (sealed === undefined || sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keys.enc, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const inner = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
    return Buffer.concat([decipher.update(inner), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Decodes base64url only when it is the one canonical spelling, so no token has twins. */
function canonical(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

function ivOf(token: string): Buffer {
  return Buffer.from(token.split(".")[1] ?? "", "base64url").subarray(0, IV_BYTES);
}

const PreferenceClaims = z.strictObject({ s: z.string(), e: z.number(), l: z.string() });

function preferenceClaims(plain: Buffer): z.infer<typeof PreferenceClaims> | undefined {
  try {
    const parsed = PreferenceClaims.safeParse(JSON.parse(plain.toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
