import { z } from "zod";
import { ATTRIBUTE_TYPES } from "../engine/node.ts";
import { GPC_MARKS } from "../engine/types.ts";
import {
  AttributeName,
  PurposeId,
  positiveDuration,
  Residency,
  Retention,
  Sensitivity,
  Slug,
} from "./common-schema.ts";
import { SegmentMapping } from "./segment-schema.ts";
import { TcfMapping } from "./tcf-schema.ts";

export const CatalogPurpose = z.strictObject({
  kind: z.enum(["service", "marketing"]),
  marks: z
    .array(z.enum(GPC_MARKS))
    .default([])
    .meta({ description: "sale | sharing | targeted_advertising: GPC opts out of these" }),
  description: z.string().min(1),
});
export type CatalogPurpose = z.infer<typeof CatalogPurpose>;

export const CatalogAttribute = z.strictObject({
  type: z.enum(ATTRIBUTE_TYPES),
  purposes: z
    .array(PurposeId)
    .min(1, { error: "an attribute with no purposes may never be read; list its purposes" })
    .meta({ description: "the only purposes a node reading this attribute may have" }),
  residency: Residency.meta({ description: "where the data may be processed; global: anywhere" }),
  retention: Retention,
  freshness: positiveDuration(
    "a freshness of 0 makes every value stale; give the age after which a decision abstains",
  ).meta({ description: "older than this at the decision instant: abstain" }),
  sensitivity: Sensitivity.default("none"),
  description: z.string().min(1).optional(),
});
export type CatalogAttribute = z.infer<typeof CatalogAttribute>;

export const CatalogEvent = z.strictObject({
  version: z.int().min(1).meta({ description: "the schema version senders must state" }),
  attributes: z
    .array(AttributeName)
    .default([])
    .meta({ description: "the profile attributes this event may set, in its data" }),
  description: z.string().min(1).optional(),
});
export type CatalogEvent = z.infer<typeof CatalogEvent>;

/** catalog.yaml: the purposes and attributes Assent may know, with their tags. */
export const CatalogFile = z
  .strictObject({
    catalog: Slug.meta({ description: "the catalog's name" }),
    version: z.int().min(1),
    purposes: z.record(PurposeId, CatalogPurpose),
    attributes: z.record(AttributeName, CatalogAttribute),
    events: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/), CatalogEvent)
      .default({})
      .meta({ description: "event types Assent accepts, each with a versioned schema" }),
    segment: SegmentMapping.optional().meta({
      description: "how Segment calls (track, identify, group, page, screen) become events",
    }),
    tcf: TcfMapping.optional().meta({
      description: "which IAB TCF v2 signals in a TC string stand for which purposes",
    }),
  })
  .meta({
    title: "Assent catalog",
    description: "The purposes and attributes Assent may know, with their tags.",
  });
export type CatalogFile = z.infer<typeof CatalogFile>;
