import type { AttributeType } from "../engine/node.ts";
import type { Purpose } from "../engine/types.ts";
import type { CatalogFile } from "./catalog-schema.ts";
import { celNameProblem } from "./cel.ts";
import { AttributeName, type Residency, type Sensitivity } from "./common-schema.ts";
import { durationMs } from "./durations.ts";
import type { Issue } from "./problems.ts";
import { isRecord, rawItems } from "./raw.ts";

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

/** The loaded catalog: what Assent may know and what each attribute may be used for. */
export interface Catalog {
  readonly name: string;
  readonly version: number;
  readonly purposes: ReadonlyMap<string, Purpose>;
  readonly attributes: ReadonlyMap<string, AttributeSpec>;
}

/**
 * Problems the catalog schema cannot see: attributes naming undeclared purposes, names a rule
 * could not read. Runs on the raw document so that it reports alongside the schema.
 */
export function catalogIssues(raw: unknown): Issue[] {
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
  return { name: file.catalog, version: file.version, purposes, attributes };
}
