/**
 * The catalog's `tcf:` section: which IAB TCF v2 signals in a TC string stand for which Assent
 * purpose. A TC string that arrives at ingest (`tcf.signal`, a Segment call's
 * `context.consent.tcString`, a CloudEvent's `tcstring`) is decoded into consent ledger records
 * for the purposes listed here, and for no other.
 */

import { z } from "zod";
import { PurposeId, positiveDuration } from "./common-schema.ts";

/**
 * A signal in a TC string: `purpose.N` (IAB purpose N in the core segment, 1–24),
 * `publisher.N` (IAB purpose N in the publisher TC segment: the publisher's own processing) or
 * `custom.N` (the publisher's custom purpose N, 1–63).
 */
export const TcfSignal = z
  .string()
  .regex(
    /^(?:(?:purpose|publisher)\.(?:[1-9]|1[0-9]|2[0-4])|custom\.(?:[1-9]|[1-5][0-9]|6[0-3]))$/,
    {
      error: "expected purpose.N or publisher.N (N 1 to 24), or custom.N (N 1 to 63)",
    },
  );
export type TcfSignal = z.infer<typeof TcfSignal>;

/** What one Assent purpose reads in a TC string. */
export const TcfPurposeRule = z
  .strictObject({
    consent: z.array(TcfSignal).default([]).meta({
      description:
        "a grant when the string consents to every one of these signals, else a withdrawal",
    }),
    legitimate_interest: z.array(TcfSignal).default([]).meta({
      description:
        "an objection when the string does not establish legitimate interest for one of these",
    }),
  })
  .refine((rule) => rule.consent.length + rule.legitimate_interest.length > 0, {
    error: "list the TCF signals under consent, legitimate_interest or both",
  });
export type TcfPurposeRule = z.infer<typeof TcfPurposeRule>;

export const TcfMapping = z.strictObject({
  vendor: z.int().min(1).max(65_535).optional().meta({
    description:
      "our Global Vendor List id: purpose.N signals then also need this vendor's consent or legitimate interest",
  }),
  expires_after: positiveDuration("an expiry of 0 grants nothing; give how long a grant lasts")
    .optional()
    .meta({
      description: "a grant from a TC string lapses this long after the string was updated",
    }),
  purposes: z
    .record(PurposeId, TcfPurposeRule)
    .meta({ description: "Assent purpose → the TCF signals it reads" }),
});
export type TcfMapping = z.infer<typeof TcfMapping>;
