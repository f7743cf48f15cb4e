/**
 * Segment calls as Assent events, through the catalog's `segment:` section. Pure: the instant
 * of receipt is passed in.
 *
 * A call becomes at most one event of the type its rule names, with `messageId` as the event
 * id (the dedup key) and the rule's attributes read from its properties or traits. Before it go
 * the consent signals it carried (`context.gpc`, `context.consent.tcString`, or `Sec-GPC: 1` on
 * the request), so that they are in the ledger when its decisions are taken.
 */

import type { FieldProblem } from "../../app/errors.ts";
import type { Catalog } from "../../playbook/catalog.ts";
import { isRecord } from "../../playbook/raw.ts";
import type { SegmentRule } from "../../playbook/segment-schema.ts";
import type { EventInput } from "../input-schema.ts";
import { type Carrier, gpcSignal, tcfSignal } from "../signal-events.ts";
import type { SegmentCall, SegmentContext } from "./segment-schema.ts";

/** What the mapping reads from the catalog. */
export type MappingCatalog = Pick<Catalog, "segment" | "tcf" | "events">;

/** How the calls of one request are read. */
export interface SegmentRequest {
  /** `Sec-GPC: 1` came with the request: every subject in it opted out. */
  readonly gpc: boolean;
  /** ISO instant of receipt: the time of calls that carry no timestamp. */
  readonly receivedAt: string;
  /** The batch-level context (`batch.context`), under each call's own. */
  readonly context?: SegmentContext;
  /** Where call `index` is in the request: `/batch/3`, or "" for a single call. */
  readonly base: (index: number) => string;
}

/** What one call became. */
export interface MappedCall {
  readonly messageId: string;
  /** The index in `events` of the call's own event; absent when it maps to none. */
  readonly eventIndex?: number;
  /** Why the call maps to no event. */
  readonly ignored?: string;
  /** The signal events it carried, by type (`gpc.signal`, `tcf.signal`). */
  readonly signals: readonly string[];
}

/** A request's calls as events, with the way back from problems to the calls' fields. */
export interface SegmentPlan {
  readonly calls: readonly MappedCall[];
  readonly events: readonly EventInput[];
  /** The pointer base of each event: the call it came from. */
  readonly bases: readonly string[];
  /** Pointers the app reports (`/batch/3/data/ticket.csat`) → the call's field. */
  readonly fieldOf: ReadonlyMap<string, string>;
}

/**
 * Maps a request's calls. Calls without a userId name no subject and an `alias` merges no
 * identities in Assent (subjects are keyed by the userId of the system of record): both are
 * acknowledged as ignored, as are calls no rule maps. A call's own signals are still recorded.
 *
 * @example
 * mapSegmentCalls([{ type: "track", event: "CSAT Received", userId: "s-1", messageId: "m-1",
 *   properties: { score: 1 } }], catalog, { gpc: false, receivedAt, base: (i) => `/batch/${i}` })
 * // → events: [{ id: "m-1", type: "ticket.csat_received", data: { "ticket.csat": 1 }, ... }]
 */
export function mapSegmentCalls(
  calls: readonly SegmentCall[],
  catalog: MappingCatalog,
  request: SegmentRequest,
): SegmentPlan {
  const events: EventInput[] = [];
  const bases: string[] = [];
  const fieldOf = new Map<string, string>();
  const mapped = calls.map((call, index): MappedCall => {
    const base = request.base(index);
    const add = (event: EventInput) => {
      events.push(event);
      bases.push(base);
      return events.length - 1;
    };
    return mapCall(call, catalog, request, { base, add, fieldOf });
  });
  return { calls: mapped, events, bases, fieldOf };
}

interface Sink {
  readonly base: string;
  readonly add: (event: EventInput) => number;
  readonly fieldOf: Map<string, string>;
}

function mapCall(
  call: SegmentCall,
  catalog: MappingCatalog,
  request: SegmentRequest,
  sink: Sink,
): MappedCall {
  const { messageId, userId } = call;
  if (userId === undefined) {
    return { messageId, ignored: "no userId: an anonymous call names no subject", signals: [] };
  }
  const carrier = {
    id: messageId,
    subjectId: userId,
    occurredAt: call.timestamp ?? request.receivedAt,
    source: catalog.segment.source,
  };
  // An event time too far ahead of its receipt is refused at the call's own field.
  if (call.timestamp !== undefined) {
    sink.fieldOf.set(`${sink.base}/occurredAt`, `${sink.base}/timestamp`);
  }
  const signals = addSignals(call, carrier, catalog, request, sink);
  if (call.type === "alias") {
    return { messageId, ignored: "alias: Assent merges no identities", signals };
  }
  const found = ruleFor(call, catalog);
  if (found === undefined) {
    return {
      messageId,
      ignored: `no rule in the catalog's segment: maps this ${call.type}`,
      signals,
    };
  }
  const { rule, fields, where } = found;
  const data = readAttributes(rule, fields, `${sink.base}/${where}`, sink);
  const event = { ...carrier, type: rule.event, schemaVersion: versionOf(rule, catalog), data };
  return { messageId, eventIndex: sink.add(event), signals };
}

/** The GPC and TCF signal events a call carried, added before its own event. */
function addSignals(
  call: SegmentCall,
  carrier: Carrier,
  catalog: MappingCatalog,
  request: SegmentRequest,
  sink: Sink,
): string[] {
  const signals: string[] = [];
  const gpc = call.context?.gpc ?? request.context?.gpc;
  if (request.gpc || gpc === true) {
    sink.add(gpcSignal(carrier));
    signals.push("gpc.signal");
  }
  const tcString = call.context?.consent?.tcString ?? request.context?.consent?.tcString;
  // Without a `tcf:` section there is nothing to record the string as; it is not an error here,
  // as every Segment source may send a string a deployment has chosen not to read.
  if (tcString !== undefined && catalog.tcf !== undefined) {
    sink.add(tcfSignal(carrier, tcString));
    const from = call.context?.consent?.tcString === undefined ? "" : sink.base;
    sink.fieldOf.set(`${sink.base}/data/tcString`, `${from}/context/consent/tcString`);
    signals.push("tcf.signal");
  }
  return signals;
}

interface FoundRule {
  readonly rule: SegmentRule;
  readonly fields: Readonly<Record<string, unknown>>;
  /** `properties` or `traits`. */
  readonly where: string;
}

function ruleFor(call: SegmentCall, catalog: MappingCatalog): FoundRule | undefined {
  const mapping = catalog.segment;
  switch (call.type) {
    case "identify":
      return found(mapping.identify, call.traits, "traits");
    case "group":
      return found(mapping.group, call.traits, "traits");
    case "track":
      return found(own(mapping.track, call.event), call.properties, "properties");
    case "page":
    case "screen":
      return found(own(mapping[call.type], call.name ?? ""), call.properties, "properties");
    case "alias":
      return undefined;
  }
}

function own(rules: Readonly<Record<string, SegmentRule>>, name: string): SegmentRule | undefined {
  return Object.hasOwn(rules, name) ? rules[name] : undefined;
}

function found(
  rule: SegmentRule | undefined,
  fields: Readonly<Record<string, unknown>> | undefined,
  where: string,
): FoundRule | undefined {
  return rule === undefined ? undefined : { rule, fields: fields ?? {}, where };
}

/**
 * The rule's attributes that the call has. A path that is absent, or null (Segment's "no
 * value"), sets nothing; the value's type is checked by the event's schema, and a problem
 * there is reported at the call's own field.
 */
function readAttributes(
  rule: SegmentRule,
  fields: Readonly<Record<string, unknown>>,
  at: string,
  sink: Sink,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [attribute, path] of Object.entries(rule.attributes)) {
    const value = valueAt(fields, path);
    if (value === undefined || value === null) continue;
    data[attribute] = value;
    sink.fieldOf.set(`${sink.base}/data/${escapeKey(attribute)}`, `${at}/${pathPointer(path)}`);
  }
  return data;
}

function valueAt(fields: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = fields;
  for (const key of path.split(".")) {
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** The catalog's version of the rule's event type (the loader checked that it is declared). */
function versionOf(rule: SegmentRule, catalog: MappingCatalog): number {
  return catalog.events.get(rule.event)?.version ?? 1;
}

function escapeKey(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function pathPointer(path: string): string {
  return path.split(".").map(escapeKey).join("/");
}

/**
 * Problems as the app reports them, moved to the call fields they came from; an event time too
 * far ahead is named `timestamp`, the call's own word for it, not `occurredAt`.
 */
export function callProblems(plan: SegmentPlan, problems: readonly FieldProblem[]) {
  return problems.map(({ pointer, expected }) => {
    const field = plan.fieldOf.get(pointer);
    if (field === undefined) return { pointer, expected };
    const renamed = field.endsWith("/timestamp") && pointer.endsWith("/occurredAt");
    return { pointer: field, expected: renamed ? inCallWords(expected) : expected };
  });
}

function inCallWords(expected: string): string {
  return expected.replaceAll(/\boccurredAt\b/g, "timestamp");
}
