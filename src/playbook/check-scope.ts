/**
 * What an invalid catalog or policy still tells the node checks, so that their problems do not
 * hide the playbooks' own. The deployment never loads with either: this is for checks only.
 */

import type { z } from "zod";
import type { Policy } from "../engine/node.ts";
import { buildCatalog } from "./catalog.ts";
import { CatalogFile } from "./catalog-schema.ts";
import { Residency } from "./common-schema.ts";
import type { NodeScope } from "./node-checks.ts";
import type { Issue, PathKey } from "./problems.ts";
import { isRecord, rawItems, rawString } from "./raw.ts";

/** The catalog half of a check scope. */
export type CatalogScope = Pick<NodeScope, "catalog" | "brokenNames">;

/** The policy half of a check scope. */
export type PolicyScope = Pick<NodeScope, "policy" | "policyCapsRead">;

/**
 * A catalog of the purposes, attributes and events that passed their schema, with the names of
 * those that did not. `undefined` when a whole section is unreadable: nothing to check against.
 */
export function catalogForChecks(raw: unknown): CatalogScope | undefined {
  const { purposes, attributes, events = {} } = isRecord(raw) ? raw : {};
  if (!isRecord(purposes) || !isRecord(attributes) || !isRecord(events)) return undefined;

  const brokenNames = new Set<string>();
  const sections = CatalogFile.shape;
  const file: CatalogFile = {
    catalog: rawString(raw, "catalog") ?? "",
    version: 0,
    purposes: validEntries(sections.purposes, purposes, brokenNames),
    attributes: validEntries(sections.attributes, attributes, brokenNames),
    events: validEntries(sections.events, events, brokenNames),
  };
  return { catalog: buildCatalog(file), brokenNames };
}

/** A map section's entries that pass its schema one by one; the others' names go to `broken`. */
function validEntries<T>(
  section: z.ZodType<Record<string, T>>,
  entries: Record<string, unknown>,
  broken: Set<string>,
): Record<string, T> {
  const valid: Record<string, T> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const parsed = section.safeParse({ [name]: entry });
    if (parsed.success) Object.assign(valid, parsed.data);
    else broken.add(name);
  }
  return valid;
}

/**
 * A policy of what an invalid policy file still says: its cap ids and, when readable, its
 * region (else none, and residency is not judged). `raw` is `undefined` when the file is not
 * YAML at all.
 */
export function policyForChecks(raw: unknown): PolicyScope {
  const region = rawString(raw, "region");
  const written = rawItems(raw, "caps");
  const ids = written.flatMap((cap) => {
    const id = rawString(cap, "id");
    return id === undefined ? [] : [id];
  });
  const caps = ids.map((id) => ({
    id,
    scope: "global" as const,
    periodMs: 1,
    counts: "all" as const,
  }));
  const policy: Policy = {
    region: region !== undefined && Residency.safeParse(region).success ? region : "",
    defaultTimezone: "UTC",
    caps,
    deny: { actions: [], channels: [], templates: [] },
  };
  return { policy, policyCapsRead: raw !== undefined && capsRead(raw, ids.length) };
}

/** Whether every cap the policy lists has an id that could be read. */
function capsRead(raw: unknown, ids: number): boolean {
  const caps = isRecord(raw) ? raw.caps : undefined;
  return caps === undefined || (Array.isArray(caps) && caps.length === ids);
}

/**
 * The names among `names` whose catalog entries failed their schema, each once. A check that
 * reads one would report the catalog's problem as the node's, so it waits for the fix.
 */
export function waitingOn(names: Iterable<string>, scope: NodeScope): string[] {
  const broken = scope.brokenNames;
  if (broken === undefined || broken.size === 0) return [];
  return [...new Set(names)].filter((name) => broken.has(name));
}

/**
 * The note for a check left out because it reads catalog entries with problems.
 *
 * @example waitingNote(["eligibility"], "eligibility was not type-checked: it reads", names)
 */
export function waitingNote(path: readonly PathKey[], check: string, names: string[]): Issue {
  const whose = names.length === 1 ? "whose catalog entry has" : "whose catalog entries have";
  return { path, note: true, message: `${check} ${names.join(", ")}, ${whose} problems above` };
}
