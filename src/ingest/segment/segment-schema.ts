/**
 * The Segment tracking API's call shapes (track, identify, group, alias, page, screen, and a
 * batch of them), as Segment's libraries and its HTTP API send them. Fields Assent does not read
 * (integrations, _metadata, channel, …) are let through untouched.
 */

import { z } from "zod";
import { SubjectId } from "../subject-id.ts";

/** Ids: `messageId` becomes the event id (with room for a `/gpc` or `/tcf` suffix). */
const MessageId = z
  .string()
  .min(1)
  .max(190)
  .describe("the dedup key: a re-sent call with the same messageId is ignored");
const Fields = z.record(z.string(), z.unknown());

/** What Assent reads from a call's context: the privacy signals that came with it. */
export const SegmentContext = z.looseObject({
  gpc: z
    .boolean()
    .optional()
    .describe("navigator.globalPrivacyControl where the call was made: true is an opt-out"),
  consent: z
    .looseObject({
      tcString: z.string().min(1).max(20_000).optional().describe("an IAB TCF v2 TC string"),
    })
    .optional(),
});
export type SegmentContext = z.infer<typeof SegmentContext>;

const common = {
  messageId: MessageId,
  userId: SubjectId.optional().describe("the subject: calls without one are ignored"),
  anonymousId: z.string().min(1).max(200).optional(),
  timestamp: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("when it happened; when absent, when Assent received it"),
  context: SegmentContext.optional(),
};

const Named = {
  name: z.string().max(200).nullish(),
  category: z.string().max(200).nullish(),
  properties: Fields.optional(),
};

export const TrackCall = z.looseObject({
  ...common,
  type: z.literal("track"),
  event: z.string().min(1).max(200),
  properties: Fields.optional(),
});
export const IdentifyCall = z.looseObject({
  ...common,
  type: z.literal("identify"),
  traits: Fields.optional(),
});
export const GroupCall = z.looseObject({
  ...common,
  type: z.literal("group"),
  groupId: z.string().min(1).max(200),
  traits: Fields.optional(),
});
export const AliasCall = z.looseObject({
  ...common,
  type: z.literal("alias"),
  previousId: z.string().min(1).max(200),
});
export const PageCall = z.looseObject({ ...common, type: z.literal("page"), ...Named });
export const ScreenCall = z.looseObject({ ...common, type: z.literal("screen"), ...Named });

/** The call types, as they appear in `type` and in the API's paths (`/v1/track`). */
export const SEGMENT_TYPES = ["track", "identify", "group", "alias", "page", "screen"] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** One call. Segment requires a userId or an anonymousId on every call. */
export const SegmentCall = z
  .discriminatedUnion("type", [TrackCall, IdentifyCall, GroupCall, AliasCall, PageCall, ScreenCall])
  .refine((call) => call.userId !== undefined || call.anonymousId !== undefined, {
    path: ["userId"],
    error: "required: a userId or an anonymousId",
  });
export type SegmentCall = z.infer<typeof SegmentCall>;

/** `POST /v1/batch`: up to 1,000 calls; `writeKey` may travel in the body instead of a header. */
export const SegmentBatch = z.looseObject({
  batch: z.array(SegmentCall).min(1).max(1000),
  writeKey: z.string().optional(),
  context: SegmentContext.optional().describe("merged into every call's context"),
});
export type SegmentBatch = z.infer<typeof SegmentBatch>;
