import { z } from "zod";
import { ActionKind, Channel, PolicyCap, Region, Slug } from "./common-schema.ts";

export const PolicyDeny = z.strictObject({
  actions: z.array(ActionKind).default([]),
  channels: z.array(Channel).default([]),
  templates: z.array(z.string().min(1)).default([]),
});
export type PolicyDeny = z.infer<typeof PolicyDeny>;

/** policy.yaml: where this deployment decides and what no node may do. */
export const PolicyFile = z
  .strictObject({
    policy: Slug.meta({ description: "the policy's name" }),
    region: Region.meta({ description: "where this deployment decides" }),
    default_timezone: z
      .string()
      .min(1)
      .meta({ description: "IANA time zone for subjects whose own zone is unknown" }),
    caps: z
      .array(PolicyCap)
      .default([])
      .meta({ description: "caps shared by every node; a node may be exempt by id" }),
    deny: PolicyDeny.default({ actions: [], channels: [], templates: [] }),
  })
  .meta({
    title: "Assent policy",
    description: "Where this deployment decides and what no node may do.",
  });
export type PolicyFile = z.infer<typeof PolicyFile>;
