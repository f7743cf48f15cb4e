import { counted } from "../app/counted.ts";
import { AppError, type FieldProblem } from "../app/errors.ts";
import { isCanonicalJurisdiction, JURISDICTION_EXPECTED } from "../consent/jurisdiction-rules.ts";
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
import type { ConsentInput, EventInput } from "./input-schema.ts";

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
  problems.push(...signalFieldProblems(type, input.data, prefix));
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
  return aheadProblems("occurredAt", input.occurredAt, receivedAt, prefix, "the event");
}

/**
 * Refuses a consent record received over the API whose `capturedAt` is more than
 * {@link MAX_CLOCK_SKEW_MS} after its receipt. The ledger answers by the latest record per
 * purpose and channel, so a grant dated ahead would override every withdrawal captured before
 * its date. A replay has no receipt but the capture itself, so it does not call this.
 *
 * @example checkCapturedAt(input, clock()) // throws invalid_consent at /capturedAt
 */
export function checkCapturedAt(input: Pick<ConsentInput, "capturedAt">, receivedAt: Instant) {
  const { capturedAt } = input;
  const problems = aheadProblems("capturedAt", capturedAt, receivedAt, "", "the consent record");
  if (problems.length === 0) return;
  const message = "the consent record is dated after this service received it";
  throw new AppError("invalid_consent", message, problems);
}

/** A `field` dated more than {@link MAX_CLOCK_SKEW_MS} after `receivedAt`, as a problem. */
function aheadProblems(
  field: string,
  value: string,
  receivedAt: Instant,
  prefix: string,
  what: string,
): FieldProblem[] {
  const at = Date.parse(value);
  const ahead = at - receivedAt;
  if (!(ahead > MAX_CLOCK_SKEW_MS)) return [];
  const iso = new Date(at).toISOString();
  const expected =
    `${field} ${iso} is ${spanOf(ahead)} after this service received ${what}; ` +
    `at most ${spanOf(MAX_CLOCK_SKEW_MS)} ahead is accepted (clock skew)`;
  return [{ pointer: `${prefix}/${field}`, expected }];
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
      problems.push({ pointer: dataPointer(prefix, name), expected: settable(input, allowed) });
      continue;
    }
    const value = coerce(raw, type);
    if (value !== undefined) attributes[name] = value;
    else problems.push({ pointer: dataPointer(prefix, name), expected: EXPECTED[type] });
  }
  return attributes;
}

/** What an event's data may hold: "one of the attributes x v1 may set: a, b", or no data. */
function settable(input: EventInput, allowed: ReadonlySet<string>): string {
  const type = `${input.type} v${input.schemaVersion}`;
  if (allowed.size === 0) return `no data: ${type} sets no attributes`;
  return `one of the attributes ${type} may set: ${[...allowed].join(", ")}`;
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

/** A check of one field of a signal's data: whether a value is valid, and the words if not. */
interface SignalField {
  readonly valid: (raw: unknown) => boolean;
  readonly expected: string;
}

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(", ");

const channelOf = (raw: unknown) => CHANNELS.find((channel) => channel === raw);
const reasonOf = (raw: unknown) => SUPPRESSION_REASONS.find((reason) => reason === raw);
const scopeOf = (raw: unknown): Channel | "*" | undefined => (raw === "*" ? "*" : channelOf(raw));

/**
 * A jurisdiction written canonically ({@link isCanonicalJurisdiction}): an assigned ISO 3166-1
 * country code, a US state or a region, in upper case. Anything else, even a code
 * `regionOf` could read (`nl`, `us_ca`, `USA`), is refused rather than stored as sent, so
 * that every stored jurisdiction has one spelling and no contact point depends on how a loose
 * or unplaceable code is read when permission is checked.
 */
const jurisdictionOf = (raw: unknown) =>
  typeof raw === "string" && isCanonicalJurisdiction(raw) ? raw : undefined;

/** The fields of `contact.updated` and `suppression.recorded`, each checked on its own. */
const SIGNAL_CHECKS: Partial<Record<SignalEvent, Readonly<Record<string, SignalField>>>> = {
  "contact.updated": {
    channel: {
      valid: (raw) => channelOf(raw) !== undefined,
      expected: `one of ${quoted(CHANNELS)}`,
    },
    jurisdiction: {
      valid: (raw) => jurisdictionOf(raw) !== undefined,
      expected: JURISDICTION_EXPECTED,
    },
  },
  "suppression.recorded": {
    reason: {
      valid: (raw) => reasonOf(raw) !== undefined,
      expected: `one of ${quoted(SUPPRESSION_REASONS)}`,
    },
    channel: {
      valid: (raw) => scopeOf(raw) !== undefined,
      expected: `one of ${quoted(CHANNELS)}, or "*" for every channel`,
    },
  },
};

/** Each bad or missing field of a signal's data, at its own pointer. */
function signalFieldProblems(
  type: SignalEvent,
  data: EventInput["data"],
  prefix: string,
): FieldProblem[] {
  const checks = Object.entries(SIGNAL_CHECKS[type] ?? {});
  return checks.flatMap(([name, check]) => {
    const raw = data[name];
    if (check.valid(raw)) return [];
    const missing = raw === undefined ? " (it is missing)" : "";
    return [{ pointer: dataPointer(prefix, name), expected: `${check.expected}${missing}` }];
  });
}

/** Reads a validated consent signal's data; throws naming each bad field if it is not valid. */
export function signalData(event: AssentEvent, prefix = "") {
  if (event.type === "gpc.signal") return { kind: "gpc" as const };
  if (event.type === "tcf.signal") return { kind: "tcf" as const };
  const { channel, jurisdiction, reason } = event.data;
  if (event.type === "contact.updated") {
    const valid = { channel: channelOf(channel), jurisdiction: jurisdictionOf(jurisdiction) };
    if (valid.channel === undefined || valid.jurisdiction === undefined) {
      throw badSignal(event, prefix);
    }
    return { kind: "contact" as const, channel: valid.channel, jurisdiction: valid.jurisdiction };
  }
  const valid = { reason: reasonOf(reason), channel: scopeOf(channel) };
  if (valid.reason === undefined || valid.channel === undefined) throw badSignal(event, prefix);
  return { kind: "suppression" as const, reason: valid.reason, channel: valid.channel };
}

function badSignal(event: AssentEvent, prefix: string): AppError {
  const problems = isSignal(event.type) ? signalFieldProblems(event.type, event.data, prefix) : [];
  return new AppError("invalid_event", "the consent signal's data is not valid", problems);
}
