import type { AttributeType } from "../engine/node.ts";
import type { Purpose } from "../engine/types.ts";
import type { CatalogFile } from "./catalog-schema.ts";
import { celNameProblem } from "./cel.ts";
import { AttributeName, type Residency, type Sensitivity } from "./common-schema.ts";
import { durationMs } from "./durations.ts";
import { mappingIssues } from "./mapping-checks.ts";
import type { Issue } from "./problems.ts";
import { isRecord, rawItems } from "./raw.ts";
import { NO_SEGMENT_MAPPING, type SegmentMapping } from "./segment-schema.ts";
import type { TcfPurposeRule } from "./tcf-schema.ts";

/** A catalog attribute with its tags, durations in milliseconds. */
export interface AttributeSpec {
  readonly name: string;
  readonly type: AttributeType;
  readonly purposes: readonly string[];
  readonly residency: Residency;
  readonly retentionMs: number;
  readonly freshnessMs: number;
  readonly sensitivity: Sensitivity;
  readonly description?: string;
}

/** An event type Assent accepts: its schema version and the attributes it may set. */
export interface EventSpec {
  readonly type: string;
  readonly version: number;
  readonly attributes: ReadonlySet<string>;
}

/** The loaded catalog: what Assent may know and what each attribute may be used for. */
export interface Catalog {
  readonly name: string;
  readonly version: number;
  readonly purposes: ReadonlyMap<string, Purpose>;
  readonly attributes: ReadonlyMap<string, AttributeSpec>;
  readonly events: ReadonlyMap<string, EventSpec>;
  /** How Segment calls become events; no rules when the catalog has no `segment:`. */
  readonly segment: SegmentMapping;
  /** How a TC string becomes consent records; absent when the catalog has no `tcf:`. */
  readonly tcf?: TcfSpec;
}

/** The catalog's `tcf:` section, the expiry in milliseconds. */
export interface TcfSpec {
  readonly vendor?: number;
  readonly expiresAfterMs?: number;
  readonly purposes: Readonly<Record<string, TcfPurposeRule>>;
}

/**
 * Problems the catalog schema cannot see: attributes naming undeclared purposes, names a rule
 * could not read. Runs on the raw document so that it reports alongside the schema.
 */
export function catalogIssues(raw: unknown): Issue[] {
  return [...attributeIssues(raw), ...eventIssues(raw), ...mappingIssues(raw)];
}

/** Event types may only set attributes the catalog declares. */
function eventIssues(raw: unknown): Issue[] {
  const attributes = isRecord(raw) && isRecord(raw.attributes) ? raw.attributes : {};
  const events = isRecord(raw) && isRecord(raw.events) ? raw.events : {};
  return Object.entries(events).flatMap(([type, event]) =>
    rawItems(event, "attributes").flatMap((name, index): Issue[] => {
      if (typeof name !== "string" || Object.hasOwn(attributes, name)) return [];
      const message = `event ${type} sets ${name}, which is not declared in attributes`;
      return [{ path: ["events", type, "attributes", index], message }];
    }),
  );
}

function attributeIssues(raw: unknown): Issue[] {
  const declared = isRecord(raw) && isRecord(raw.purposes) ? raw.purposes : undefined;
  const attributes = isRecord(raw) && isRecord(raw.attributes) ? raw.attributes : {};

  return Object.entries(attributes).flatMap(([name, attribute]) => {
    const unreadable = AttributeName.safeParse(name).success ? celNameProblem(name) : undefined;
    const issues: Issue[] =
      unreadable === undefined
        ? []
        : [{ path: ["attributes", name], at: "key", message: unreadable }];

    rawItems(attribute, "purposes").forEach((purpose, index) => {
      if (declared === undefined || typeof purpose !== "string") return;
      if (Object.hasOwn(declared, purpose)) return;
      issues.push({
        path: ["attributes", name, "purposes", index],
        message: `${name} names purpose ${purpose}, which is not declared in purposes`,
      });
    });
    return issues;
  });
}

/**
 * The catalog a valid catalog file describes.
 *
 * @example buildCatalog(CatalogFile.parse(data)).attributes.get("claim.amount")?.freshnessMs
 */
export function buildCatalog(file: CatalogFile): Catalog {
  const purposes = new Map<string, Purpose>();
  for (const [id, purpose] of Object.entries(file.purposes)) {
    purposes.set(id, { id, ...purpose });
  }

  const attributes = new Map<string, AttributeSpec>();
  for (const [name, attribute] of Object.entries(file.attributes)) {
    attributes.set(name, {
      name,
      type: attribute.type,
      purposes: attribute.purposes,
      residency: attribute.residency,
      retentionMs: durationMs(attribute.retention),
      freshnessMs: durationMs(attribute.freshness),
      sensitivity: attribute.sensitivity,
      ...(attribute.description === undefined ? {} : { description: attribute.description }),
    });
  }
  const events = new Map<string, EventSpec>();
  for (const [type, event] of Object.entries(file.events)) {
    events.set(type, { type, version: event.version, attributes: new Set(event.attributes) });
  }
  const segment = file.segment ?? NO_SEGMENT_MAPPING;
  const catalog = { name: file.catalog, version: file.version, purposes, attributes, events };
  return file.tcf === undefined
    ? { ...catalog, segment }
    : { ...catalog, segment, tcf: tcfSpec(file.tcf) };
}

function tcfSpec(tcf: NonNullable<CatalogFile["tcf"]>): TcfSpec {
  const expires = tcf.expires_after;
  return {
    ...(tcf.vendor === undefined ? {} : { vendor: tcf.vendor }),
    ...(expires === undefined ? {} : { expiresAfterMs: durationMs(expires) }),
    purposes: tcf.purposes,
  };
}
