import { IANAZone } from "luxon";
import type { Policy } from "../engine/node.ts";
import { capIssues, compileCap } from "./caps.ts";
import { PolicyCap } from "./common-schema.ts";
import type { PolicyFile } from "./policy-schema.ts";
import type { Issue } from "./problems.ts";
import { rawItems, rawString, validItems } from "./raw.ts";

/**
 * Problems the policy schema cannot see: an unknown time zone, caps that do not fit their
 * scope, duplicate cap ids. Runs on the raw document so that it reports alongside the schema.
 */
export function policyIssues(raw: unknown): Issue[] {
  const issues = capIssues(validItems(PolicyCap, rawItems(raw, "caps")), ["caps"]);

  const zone = rawString(raw, "default_timezone");
  if (zone !== undefined && !IANAZone.isValidZone(zone)) {
    issues.push({
      path: ["default_timezone"],
      message: `${zone} is not an IANA time zone; write one such as Europe/Amsterdam`,
    });
  }
  return issues;
}

/**
 * The policy a valid policy file describes.
 *
 * @example buildPolicy(PolicyFile.parse(data)).region // "eu"
 */
export function buildPolicy(file: PolicyFile): Policy {
  return {
    region: file.region,
    defaultTimezone: file.default_timezone,
    caps: file.caps.map((cap, index) => compileCap(cap, `policy-cap-${index + 1}`)),
    deny: file.deny,
  };
}
