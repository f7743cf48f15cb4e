/**
 * Checks of the catalog's `segment:` and `tcf:` sections that their schemas cannot see: a
 * Segment rule must become a declared event type and set only attributes that type may set; a
 * TCF rule must name a declared purpose. Runs on the raw document, beside the schema.
 */

import type { Issue, PathKey } from "./problems.ts";
import { isRecord } from "./raw.ts";
import { SegmentRule } from "./segment-schema.ts";

type Raw = Record<string, unknown>;

const RULE_LISTS = ["track", "page", "screen"] as const;
const SINGLE_RULES = ["identify", "group"] as const;

/** Every problem of the `segment:` and `tcf:` sections. */
export function mappingIssues(raw: unknown): Issue[] {
  if (!isRecord(raw)) return [];
  return [...segmentIssues(raw), ...tcfIssues(raw)];
}

function segmentIssues(raw: Raw): Issue[] {
  const segment = raw.segment;
  if (!isRecord(segment)) return [];
  const events = isRecord(raw.events) ? raw.events : {};
  const rules: [PathKey[], unknown][] = [];
  for (const key of SINGLE_RULES) {
    if (segment[key] !== undefined) rules.push([["segment", key], segment[key]]);
  }
  for (const key of RULE_LISTS) {
    const named = isRecord(segment[key]) ? segment[key] : {};
    for (const [name, rule] of Object.entries(named)) rules.push([["segment", key, name], rule]);
  }
  return rules.flatMap(([path, rule]) => ruleIssues(path, rule, events));
}

function ruleIssues(path: PathKey[], raw: unknown, events: Raw): Issue[] {
  const parsed = SegmentRule.safeParse(raw);
  if (!parsed.success) return [];
  const { event, attributes } = parsed.data;
  const declared = events[event];
  if (!isRecord(declared)) {
    const message = `the Segment rule becomes ${event}, which is not declared in events`;
    return [{ path: [...path, "event"], message }];
  }
  const settable = Array.isArray(declared.attributes) ? declared.attributes : [];
  return Object.keys(attributes).flatMap((name): Issue[] => {
    if (settable.includes(name)) return [];
    const message = `${event} may not set ${name}; add it to the event's attributes or map another`;
    return [{ path: [...path, "attributes", name], at: "key", message }];
  });
}

function tcfIssues(raw: Raw): Issue[] {
  const tcf = raw.tcf;
  const purposes = isRecord(tcf) && isRecord(tcf.purposes) ? tcf.purposes : {};
  const declared = isRecord(raw.purposes) ? raw.purposes : {};
  return Object.keys(purposes).flatMap((purpose): Issue[] => {
    if (Object.hasOwn(declared, purpose)) return [];
    const message = `the TCF rule names purpose ${purpose}, which is not declared in purposes`;
    return [{ path: ["tcf", "purposes", purpose], at: "key", message }];
  });
}
