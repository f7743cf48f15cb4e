import { AppError, type FieldProblem } from "../app/errors.ts";
import { decodeTcString, TC_STRING_EXPECTED, tcfRecords } from "../consent/tcf.ts";
import type { AttributeType } from "../engine/node.ts";
import type {
  AssentEvent,
  AttributeValue,
  Channel,
  ConsentRecord,
  Instant,
} from "../engine/types.ts";
import { CHANNELS, SUPPRESSION_REASONS } from "../engine/types.ts";
import type { Catalog } from "../playbook/catalog.ts";
import type { EventInput } from "./input-schema.ts";

/**
 * Consent signals that arrive as events. They are built in (not in the catalog) because they
 * feed the consent view, not the profile.
 */
export const SIGNAL_EVENTS = {
  "contact.updated": "data: { channel, jurisdiction } — where a contact point is registered",
  "suppression.recorded": "data: { reason, channel } — unsubscribed, hard_bounce, complaint, …",
  "gpc.signal": "data: {} — the Global Privacy Control signal was seen",
  "tcf.signal": "data: { tcString } — an IAB TCF v2 string, recorded as the catalog's tcf: says",
} as const;

export type SignalEvent = keyof typeof SIGNAL_EVENTS;

/**
 * How far after its receipt an event may say it occurred: senders' clocks drift. An event dated
 * further ahead is refused, because a stored value is never overwritten by an older event, so a
 * far-future event would freeze every attribute it sets. A replay receives each event at its own
 * time, so it is never ahead.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A validated event: the engine's event and the profile attributes it sets. */
export interface ValidEvent {
  readonly event: AssentEvent;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Consent ledger records the event stands for (a `tcf.signal`'s decoded string). */
  readonly consent?: readonly ConsentRecord[];
}

/**
 * Checks an event against its type's versioned schema in the catalog and converts it. Throws
 * one AppError listing every bad field, each with a JSON pointer under `prefix`.
 */
export function validateEvent(
  input: EventInput,
  catalog: Catalog,
  receivedAt: Instant,
  prefix = "",
): ValidEvent {
  if (isSignal(input.type)) return validSignal(input, catalog, receivedAt, prefix);
  const spec = catalog.events.get(input.type);
  if (spec === undefined) {
    const expected = "an event type declared in the catalog's events";
    throw new AppError("unknown_event_type", `event type ${input.type} is not declared`, [
      { pointer: `${prefix}/type`, expected },
    ]);
  }
  const problems = timeProblems(input, receivedAt, prefix);
  if (input.schemaVersion !== spec.version) {
    const expected = `schema version ${spec.version} of ${input.type}`;
    problems.push({ pointer: `${prefix}/schemaVersion`, expected });
  }
  const attributes = readAttributes(input, catalog, spec.attributes, prefix, problems);
  if (problems.length > 0) {
    throw new AppError("invalid_event", `event ${input.id} does not match its schema`, problems);
  }
  return { event: toEvent(input, receivedAt), attributes };
}

/** The fields each consent signal's data may hold; anything else is refused, not stored. */
const SIGNAL_FIELDS: Readonly<Record<SignalEvent, readonly string[]>> = {
  "contact.updated": ["channel", "jurisdiction"],
  "suppression.recorded": ["reason", "channel"],
  "gpc.signal": [],
  "tcf.signal": ["tcString"],
};

function validSignal(
  input: EventInput,
  catalog: Catalog,
  receivedAt: Instant,
  prefix: string,
): ValidEvent {
  const type = input.type;
  if (!isSignal(type)) throw new Error(`not a signal: ${type}`);
  const problems = timeProblems(input, receivedAt, prefix);
  if (input.schemaVersion !== 1) {
    problems.push({ pointer: `${prefix}/schemaVersion`, expected: `schema version 1 of ${type}` });
  }
  const allowed = SIGNAL_FIELDS[type];
  for (const key of Object.keys(input.data)) {
    if (allowed.includes(key)) continue;
    const expected = `only ${allowed.join(" and ") || "no fields"} in ${type} data`;
    problems.push({ pointer: `${prefix}/data/${escapePointer(key)}`, expected });
  }
  if (problems.length > 0) {
    throw new AppError("invalid_event", `event ${input.id} does not match its schema`, problems);
  }
  const event = toEvent(input, receivedAt);
  const signal = signalData(event, prefix);
  if (signal.kind !== "tcf") return { event, attributes: {} };
  return { event, attributes: {}, consent: tcfConsent(event, catalog, prefix) };
}

/** An `occurredAt` more than {@link MAX_CLOCK_SKEW_MS} after `receivedAt`, as a problem. */
function timeProblems(input: EventInput, receivedAt: Instant, prefix: string): FieldProblem[] {
  const occurredAt = Date.parse(input.occurredAt);
  const ahead = occurredAt - receivedAt;
  if (!(ahead > MAX_CLOCK_SKEW_MS)) return [];
  const iso = new Date(occurredAt).toISOString();
  const expected = `occurredAt ${iso} is ${spanOf(ahead)} after this service received the event; at most ${spanOf(MAX_CLOCK_SKEW_MS)} ahead is accepted (clock skew)`;
  return [{ pointer: `${prefix}/occurredAt`, expected }];
}

const SPANS = [
  ["year", 365.25 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
] as const;

/**
 * A span in its largest whole unit, and below a day the next unit too, so that a span just over
 * the tolerance does not read as the tolerance: "73 years", "2 hours 5 minutes", "5 minutes 30
 * seconds".
 */
function spanOf(ms: number): string {
  const index = Math.max(
    0,
    SPANS.findIndex(([, size]) => ms >= size),
  );
  const [unit, size] = SPANS[index] ?? ["second", 1000];
  const whole = counted(Math.floor(ms / size), unit);
  const next = SPANS[index + 1];
  if (next === undefined || size >= 86_400_000) return whole;
  const rest = Math.floor((ms % size) / next[1]);
  return rest === 0 ? whole : `${whole} ${counted(rest, next[0])}`;
}

function counted(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** The ledger records of a `tcf.signal`, or an `invalid_consent` error naming the string. */
function tcfConsent(event: AssentEvent, catalog: Catalog, prefix: string): ConsentRecord[] {
  const pointer = `${prefix}/data/tcString`;
  const tcString = event.data.tcString;
  if (typeof tcString !== "string" || tcString === "") {
    throw new AppError("invalid_consent", "the TC string is missing", [
      { pointer, expected: TC_STRING_EXPECTED },
    ]);
  }
  const decoded = decodeTcString(tcString);
  if (!decoded.ok) {
    throw new AppError("invalid_consent", `the TC string is not valid: ${decoded.problem}`, [
      { pointer, expected: TC_STRING_EXPECTED },
    ]);
  }
  if (catalog.tcf === undefined) {
    const expected = "a catalog with a tcf: section mapping TCF signals to purposes";
    throw new AppError("invalid_consent", "the catalog maps no TCF signal to a purpose", [
      { pointer, expected },
    ]);
  }
  const origin = { subjectId: event.subjectId, eventId: event.id, source: event.source };
  return tcfRecords(decoded.choices, catalog.tcf, { ...origin, tcString });
}

function readAttributes(
  input: EventInput,
  catalog: Catalog,
  allowed: ReadonlySet<string>,
  prefix: string,
  problems: FieldProblem[],
): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, raw] of Object.entries(input.data)) {
    const type = catalog.attributes.get(name)?.type;
    if (!allowed.has(name) || type === undefined) {
      const expected = `one of the attributes ${input.type} v${input.schemaVersion} may set: ${[...allowed].join(", ") || "none"}`;
      problems.push({ pointer: dataPointer(prefix, name), expected });
      continue;
    }
    const value = coerce(raw, type);
    if (value !== undefined) attributes[name] = value;
    else problems.push({ pointer: dataPointer(prefix, name), expected: EXPECTED[type] });
  }
  return attributes;
}

const EXPECTED: Record<AttributeType, string> = {
  string: "a string",
  number: "a finite number",
  boolean: "true or false",
  timestamp: "an ISO 8601 instant with a zone, or epoch milliseconds",
  string_list: "an array of strings",
};

function coerce(raw: unknown, type: AttributeType): AttributeValue | undefined {
  switch (type) {
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "number":
      return typeof raw === "number" && Number.isFinite(raw) ? raw : undefined;
    case "boolean":
      return typeof raw === "boolean" ? raw : undefined;
    case "timestamp":
      return instantOf(raw);
    case "string_list":
      return Array.isArray(raw) && raw.every((item) => typeof item === "string") ? raw : undefined;
  }
}

function instantOf(raw: unknown): number | undefined {
  if (typeof raw === "number" && Number.isFinite(raw)) return raw;
  if (typeof raw !== "string" || !/(Z|[+-]\d\d:\d\d)$/.test(raw)) return undefined;
  const parsed = Date.parse(raw);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function toEvent(input: EventInput, receivedAt: Instant): AssentEvent {
  return {
    id: input.id,
    type: input.type,
    schemaVersion: input.schemaVersion,
    subjectId: input.subjectId,
    occurredAt: Date.parse(input.occurredAt),
    receivedAt,
    source: input.source,
    data: input.data,
  };
}

/** Where a data field is, made only for a problem: every event ingested or decided comes here. */
function dataPointer(prefix: string, name: string): string {
  return `${prefix}/data/${escapePointer(name)}`;
}

function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function isSignal(type: string): type is SignalEvent {
  return Object.hasOwn(SIGNAL_EVENTS, type);
}

/** Reads a consent signal's data, or throws naming the bad field. */
export function signalData(event: AssentEvent, prefix = "") {
  const channel = event.data.channel;
  const validChannel = CHANNELS.find((candidate) => candidate === channel);
  if (event.type === "gpc.signal") return { kind: "gpc" as const };
  if (event.type === "tcf.signal") return { kind: "tcf" as const };
  if (event.type === "contact.updated") {
    const jurisdiction = event.data.jurisdiction;
    if (validChannel === undefined || typeof jurisdiction !== "string") {
      throw badSignal(prefix, "a channel and a jurisdiction such as US, DE or EU");
    }
    return { kind: "contact" as const, channel: validChannel, jurisdiction };
  }
  const reason = SUPPRESSION_REASONS.find((candidate) => candidate === event.data.reason);
  const scope: Channel | "*" | undefined = channel === "*" ? "*" : validChannel;
  if (reason === undefined || scope === undefined) {
    throw badSignal(prefix, `a reason (${SUPPRESSION_REASONS.join(", ")}) and a channel or *`);
  }
  return { kind: "suppression" as const, reason, channel: scope };
}

function badSignal(prefix: string, expected: string): AppError {
  return new AppError("invalid_event", "the consent signal's data is not valid", [
    { pointer: `${prefix}/data`, expected },
  ]);
}
