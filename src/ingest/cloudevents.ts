/**
 * CloudEvents 1.0 over HTTP (structured, binary and batched content modes) as Assent events.
 * The message is read with the CloudEvents SDK (`HTTP.toEvent`); Assent then checks what the
 * SDK lets pass by default — a missing `specversion` or `time` it would fill in — and maps the
 * attributes: `id` → id (the dedup key), `type` → type, `subject` → subjectId, `time` →
 * occurredAt, `source` → source, `data` → data, and the extensions `schemaversion`, `gpc` and
 * `tcstring` → schema version, a GPC signal and a TC string.
 */

import { type CloudEventV1, HTTP } from "cloudevents";
import { z } from "zod";
import { AppError, type FieldProblem, wrongFields } from "../app/errors.ts";
import { expectation } from "./expectations.ts";
import type { EventInput } from "./input-schema.ts";
import { gpcSignal, tcfSignal } from "./signal-events.ts";
import { isEmailShaped, SUBJECT_ID_EXPECTED } from "./subject-id.ts";

/** An HTTP request as the CloudEvents binding sees it. */
export interface CloudEventMessage {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
}

/** How the event travelled: attributes in the body, in `ce-` headers, or a JSON array. */
export type ContentMode = "structured" | "binary" | "batch";

/** Events read from a message, signals first, and how to name their fields. */
export interface ReadCloudEvents {
  readonly mode: ContentMode;
  readonly events: EventInput[];
  /** The index in `events` of each CloudEvent's own event, in message order. */
  readonly own: readonly number[];
  /** The pointer base of each event: the CloudEvent it came from. */
  readonly pointerBase: (index: number) => string;
  /**
   * The problems of a batch's malformed CloudEvents, which `events` leaves out; when there is
   * any, nothing may be stored. Always empty for a lone CloudEvent, which is refused at once.
   */
  readonly malformed: readonly FieldProblem[];
}

const MEDIA_STRUCTURED = "application/cloudevents+json";
const MEDIA_BATCH = "application/cloudevents-batch+json";

const Flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((text) => text === "true")]);
const Version = z.union([
  z.int().min(1),
  z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, { error: "expected a whole number from 1" })
    .transform(Number),
]);

/** The attributes Assent reads, by their CloudEvents names (a structured-mode event). */
export const CloudEventAttributes = z.object({
  specversion: z.literal("1.0", { error: "expected 1.0 (CloudEvents 1.0)" }),
  id: z.string().min(1).max(190),
  source: z.string().min(1).max(100),
  type: z.string().min(1).max(100),
  subject: z
    .string({ error: "required: the subject (Assent's subjectId)" })
    .min(1)
    .max(200)
    .refine((id) => !isEmailShaped(id), { error: SUBJECT_ID_EXPECTED }),
  time: z.iso.datetime({ offset: true, error: "required: an RFC 3339 time with a zone" }),
  schemaversion: Version.optional(),
  gpc: Flag.optional(),
  tcstring: z.string().min(1).max(20_000).optional(),
  data: z.record(z.string(), z.unknown(), { error: "expected a JSON object" }).optional(),
});

type Headers = Readonly<Record<string, string>>;

/** Header names in lower case, one value each. */
function headersOf(message: CloudEventMessage): Headers {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    const text = typeof value === "string" ? value : value?.[0];
    if (text !== undefined) headers[name.toLowerCase()] = text;
  }
  return headers;
}

/** The content mode, from the media type as the HTTP binding defines it. */
export function contentMode(headers: Headers): ContentMode {
  const media = headers["content-type"]?.toLowerCase() ?? "";
  if (media.startsWith(MEDIA_BATCH)) return "batch";
  return media.startsWith(MEDIA_STRUCTURED) ? "structured" : "binary";
}

/** Where attribute `name` of CloudEvent `index` is in the request. */
export function attributePointer(mode: ContentMode, index: number, name: string): string {
  if (mode === "binary") return name === "data" ? "" : `/headers/ce-${name}`;
  return mode === "batch" ? `/${index}/${name}` : `/${name}`;
}

/**
 * Reads the CloudEvents of a request. A missing or other `specversion`, a missing `time` or
 * `subject`, or a bad attribute is an `invalid_request` naming each field; nothing is ingested.
 * A lone CloudEvent is refused at once; a batch keeps its well-formed CloudEvents and lists the
 * others' problems in `malformed`, so that the app can check the rest as well and one answer can
 * name every bad field of the batch.
 *
 * @example
 * const { events } = readCloudEvents({ headers: HTTP.binary(event).headers, body: {...} });
 */
export function readCloudEvents(message: CloudEventMessage, gpc: boolean): ReadCloudEvents {
  const headers = headersOf(message);
  const mode = contentMode(headers);
  const raws = rawEvents(mode, message.body, headers);
  const read = raws.map((raw, index) => readOne({ mode, headers, body: message.body }, raw, index));
  const malformed = read.flatMap(({ problems }) => problems);
  if (mode !== "batch") refuse(raws.length, malformed);
  const items = read.flatMap(({ item }, index) => (item === undefined ? [] : [{ index, item }]));
  return { ...assemble(mode, items, gpc), malformed };
}

/** What one CloudEvent's attributes are read from. */
interface Source {
  readonly mode: ContentMode;
  readonly headers: Headers;
  readonly body: unknown;
}

type Attributes = z.infer<typeof CloudEventAttributes>;

/** A CloudEvent as the SDK read it, or the raw attributes when it could not. */
type Read = Readonly<Record<string, unknown>> | CloudEventV1<unknown>;

interface ReadOne {
  readonly item?: Attributes;
  readonly problems: readonly FieldProblem[];
}

/** One CloudEvent's attributes, or the problems that keep it from being read. */
function readOne(source: Source, raw: Record<string, unknown>, index: number): ReadOne {
  const { mode } = source;
  // Checked before the SDK reads the message: it would take a missing specversion for 1.0,
  // and without ce-id it sees no CloudEvent at all.
  const version = versionProblems(mode, raw, index);
  if (version.length > 0) return { problems: version };
  const event = sdkReading(source, raw);
  const result = CloudEventAttributes.safeParse(attributesOf(raw, event ?? raw));
  if (!result.success) {
    return { problems: result.error.issues.map((issue) => problemOf(mode, index, issue)) };
  }
  if (event !== undefined) return { item: result.data, problems: [] };
  // The SDK refused what Assent's own check lets pass: the event is named, not a field.
  const expected = "a CloudEvent the CloudEvents 1.0 specification allows";
  return { problems: [{ pointer: mode === "batch" ? `/${index}` : "", expected }] };
}

/**
 * The SDK's reading of one CloudEvent: a batch's items one at a time, so that a bad item leaves
 * the others readable. Undefined when the SDK refuses a structured or batched event (Assent's
 * own check then names the attribute); a binary message it refuses is refused whole.
 */
function sdkReading(source: Source, raw: Record<string, unknown>): Read | undefined {
  if (source.mode === "binary") return toEvent(source.headers, source.body);
  try {
    const headers = { "content-type": MEDIA_STRUCTURED };
    const read = HTTP.toEvent<unknown>({ headers, body: JSON.stringify(raw) });
    return Array.isArray(read) ? undefined : read;
  } catch {
    return undefined;
  }
}

function versionProblems(
  mode: ContentMode,
  raw: Record<string, unknown>,
  index: number,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (raw.specversion !== "1.0") {
    const pointer = attributePointer(mode, index, "specversion");
    const expected =
      raw.specversion === undefined
        ? "required: the CloudEvents specversion, 1.0"
        : "1.0 (CloudEvents 1.0)";
    problems.push({ pointer, expected });
  }
  if (mode === "binary" && raw.id === undefined) {
    const expected = "required: the event id (the dedup key)";
    problems.push({ pointer: attributePointer(mode, index, "id"), expected });
  }
  return problems;
}

function refuse(count: number, problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  const message = `${wrongFields(problems.length, count, "CloudEvent")}; nothing was stored`;
  throw new AppError("invalid_request", message, problems);
}

function problemOf(mode: ContentMode, index: number, issue: z.core.$ZodIssue): FieldProblem {
  const [name = "", ...rest] = issue.path.map(String);
  const tail = rest.map((key) => `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
  return { pointer: attributePointer(mode, index, name) + tail, expected: expectation(issue) };
}

/** The raw attributes: from the ce- headers, the body, or each item of the batch. */
function rawEvents(mode: ContentMode, body: unknown, headers: Headers): Record<string, unknown>[] {
  if (mode === "binary") {
    const id = headers["ce-id"];
    return [{ specversion: headers["ce-specversion"], id, time: headers["ce-time"] }];
  }
  if (mode === "structured") {
    if (isObject(body)) return [body];
    throw new AppError("invalid_request", "a structured CloudEvent is one JSON object", [
      { pointer: "", expected: "a JSON object with the event's attributes" },
    ]);
  }
  if (Array.isArray(body) && body.length > 0 && body.length <= 1000) {
    return body.map((item) => (isObject(item) ? item : {}));
  }
  throw new AppError(
    "invalid_request",
    "a CloudEvents batch is a JSON array of 1 to 1,000 events",
    [{ pointer: "", expected: "a JSON array of 1 to 1,000 CloudEvents" }],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The SDK's reading of a binary-mode message. */
function toEvent(headers: Headers, body: unknown): Read {
  try {
    const read = HTTP.toEvent<unknown>({ headers: { ...headers }, body: bodyText(body) });
    const [first] = Array.isArray(read) ? read : [read];
    if (first !== undefined) return first;
    throw new AppError("invalid_request", "the message holds no CloudEvent");
  } catch (error) {
    const detail = error instanceof Error ? error.message : "unreadable";
    throw new AppError("invalid_request", `the CloudEvent could not be read: ${detail}`);
  }
}

function bodyText(body: unknown): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}

/**
 * The attributes to check. `specversion` and `time` come from the message itself: the SDK
 * fills in 1.0 and the current time when they are missing, which would hide the sender's
 * mistake and date the event wrongly. The rest is the SDK's reading.
 */
function attributesOf(raw: Record<string, unknown>, event: Read): Record<string, unknown> {
  const read = (name: string) => event[name];
  return {
    specversion: raw.specversion,
    id: read("id"),
    source: read("source"),
    type: read("type"),
    subject: read("subject"),
    time: raw.time,
    schemaversion: read("schemaversion"),
    gpc: read("gpc"),
    tcstring: read("tcstring"),
    data: read("data") ?? undefined,
  };
}

/** The events of the CloudEvents read, each with `index`, its place in the message. */
function assemble(
  mode: ContentMode,
  items: readonly { readonly index: number; readonly item: Attributes }[],
  gpc: boolean,
): Omit<ReadCloudEvents, "malformed"> {
  const events: EventInput[] = [];
  const origin: number[] = [];
  const own: number[] = [];
  items.forEach(({ index, item }) => {
    const event: EventInput = {
      id: item.id,
      type: item.type,
      schemaVersion: item.schemaversion ?? 1,
      subjectId: item.subject,
      occurredAt: item.time,
      source: item.source,
      data: item.data ?? {},
    };
    if (gpc || item.gpc === true) events.push(gpcSignal(event));
    if (item.tcstring !== undefined) events.push(tcfSignal(event, item.tcstring));
    events.push(event);
    own.push(events.length - 1);
    while (origin.length < events.length) origin.push(index);
  });
  const base = (index: number) => (mode === "batch" ? `/${origin[index] ?? 0}` : "");
  return { mode, events, own, pointerBase: base };
}

/** The event fields the app names, as CloudEvents attributes (`/schemaVersion` → ce-schemaversion). */
const ATTRIBUTE_OF: Readonly<Record<string, string>> = {
  id: "id",
  type: "type",
  schemaVersion: "schemaversion",
  subjectId: "subject",
  occurredAt: "time",
  source: "source",
};

/**
 * Problems the app reports for the mapped events, moved to the CloudEvents fields they came
 * from: `/data/claim.amount` stays in the data (the body, in binary mode), `/schemaVersion`
 * becomes the `schemaversion` attribute (`ce-schemaversion` in binary mode), and the TC string
 * of the `tcf.signal` made from the `tcstring` extension (`/data/tcString`) that extension. An
 * event time too far ahead is named `time` (`ce-time`), as the sender knows it, not `occurredAt`.
 */
export function cloudEventProblems(
  read: Pick<ReadCloudEvents, "mode">,
  problems: readonly FieldProblem[],
): FieldProblem[] {
  return problems.map((problem) => {
    const match = /^(\/[0-9]+)?\/([^/]+)(.*)$/.exec(problem.pointer);
    if (match === null) return problem;
    const [, item = "", field = "", rest = ""] = match;
    const index = item === "" ? 0 : Number(item.slice(1));
    // Attribute names always hold a dot (claim.amount), so data/tcString is the signal's.
    if (field === "data" && rest === "/tcString") {
      return { ...problem, pointer: attributePointer(read.mode, index, "tcstring") };
    }
    const name = ATTRIBUTE_OF[field] ?? field;
    const pointer = attributePointer(read.mode, index, name) + rest;
    return { pointer, expected: inSenderWords(problem.expected, field, read.mode) };
  });
}

/** The event time named as the sender named it: `time`, or `ce-time` in binary mode. */
function inSenderWords(expected: string, field: string, mode: ContentMode): string {
  if (field !== "occurredAt") return expected;
  return expected.replaceAll(/\boccurredAt\b/g, mode === "binary" ? "ce-time" : "time");
}
