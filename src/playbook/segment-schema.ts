/**
 * The catalog's `segment:` section: how calls of the Segment tracking API (track, identify,
 * group, page, screen) become Assent events. A call that no rule maps is acknowledged and
 * ignored; nothing is stored for it.
 */

import { z } from "zod";
import { AttributeName } from "./common-schema.ts";

/** An Assent event type as the catalog's `events:` section names it. */
export const EventTypeName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, {
  error: "expected an event type declared in the catalog's events (ticket.csat_received)",
});

/** Dot-separated keys into a call's `properties` (or `traits`): `score`, `address.country`. */
export const PropertyPath = z
  .string()
  .regex(/^[^.]+(?:\.[^.]+)*$/, {
    error: "expected a path of keys joined by dots (score, address.country)",
  })
  .max(200);

/** One Segment call (or call name) and the Assent event it becomes. */
export const SegmentRule = z.strictObject({
  event: EventTypeName.meta({ description: "the Assent event type the call becomes" }),
  attributes: z.record(AttributeName, PropertyPath).default({}).meta({
    description:
      "attribute ← path into the call's properties (track, page, screen) or traits (identify, group)",
  }),
});
export type SegmentRule = z.infer<typeof SegmentRule>;

/** Segment names: a track event's `event`, a page's or screen's `name`. */
const CallName = z.string().min(1).max(200);

export const SegmentMapping = z.strictObject({
  source: z
    .string()
    .min(1)
    .max(100)
    .default("segment")
    .meta({ description: "the source recorded on events that arrive through Segment" }),
  identify: SegmentRule.optional().meta({ description: "every identify call: traits" }),
  group: SegmentRule.optional().meta({ description: "every group call: the group's traits" }),
  track: z
    .record(CallName, SegmentRule)
    .default({})
    .meta({ description: "track calls by event name: properties" }),
  page: z
    .record(CallName, SegmentRule)
    .default({})
    .meta({ description: "page calls by page name: properties" }),
  screen: z
    .record(CallName, SegmentRule)
    .default({})
    .meta({ description: "screen calls by screen name: properties" }),
});
export type SegmentMapping = z.infer<typeof SegmentMapping>;

/** No mapping: every call is acknowledged and ignored. */
export const NO_SEGMENT_MAPPING: SegmentMapping = {
  source: "segment",
  track: {},
  page: {},
  screen: {},
};
