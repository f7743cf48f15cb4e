import type { TrustLinks } from "../trust/links.ts";

/** What the outbox needs of the subject's trust links: the opaque unsubscribe addresses. */
export type UnsubscribeLinks = Pick<TrustLinks, "unsubscribeUrl" | "unsubscribeMailto">;

/** The value of `List-Unsubscribe-Post` that asks for a one-click unsubscribe (RFC 8058). */
export const ONE_CLICK = "List-Unsubscribe=One-Click";

/**
 * The message headers of a marketing e-mail, handed to the sending system in the delivery
 * payload: `List-Unsubscribe` (RFC 2369) with the https URL and the mailto address, both
 * carrying the subject's opaque token, and `List-Unsubscribe-Post` (RFC 8058). RFC 8058 needs
 * both headers inside the message's DKIM signature, so the sending system must add them
 * before it signs, not after.
 *
 * @example
 * listUnsubscribeHeaders(links, "s-1")
 * // { "List-Unsubscribe": "<https://…/unsubscribe/v1.…>, <mailto:unsubscribe@…?subject=…>",
 * //   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" }
 */
export function listUnsubscribeHeaders(
  links: UnsubscribeLinks,
  subjectId: string,
): Readonly<Record<string, string>> {
  const https = links.unsubscribeUrl(subjectId);
  const mailto = links.unsubscribeMailto(subjectId);
  return {
    "List-Unsubscribe": `<${https}>, <${mailto}>`,
    "List-Unsubscribe-Post": ONE_CLICK,
  };
}
