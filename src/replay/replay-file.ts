import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { AppError, type FieldProblem } from "../app/errors.ts";
import { expectation } from "../ingest/expectations.ts";
import { ConsentInput, EventInput } from "../ingest/input-schema.ts";
import { SubjectId } from "../ingest/subject-id.ts";
import type { SimItem } from "../simulator/index.ts";

/**
 * The replay file: NDJSON, one line per item, events in time order (`checkReplayFile` holds them
 * to it; a consent record may be captured long before the line it sits on).
 *
 *   {"kind":"event","event":{ …an event as POST /v1/events takes it… }}
 *   {"kind":"consent","subjectId":"subj-1","record":{ …a record as POST …/consent takes it… }}
 *
 * Contact points, suppressions and the GPC signal travel as the built-in events
 * `contact.updated`, `suppression.recorded` and `gpc.signal`.
 */
export const ReplayLine = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("event"), event: EventInput }),
  z.strictObject({
    kind: z.literal("consent"),
    subjectId: SubjectId,
    record: ConsentInput,
  }),
]);
export type ReplayLine = z.infer<typeof ReplayLine>;

/** Reads a replay file line by line; a bad line throws naming its number and field. */
export async function* readReplayFile(path: string): AsyncGenerator<ReplayLine> {
  for await (const { text, number } of replayFileLines(path)) yield parseLine(text, number);
}

/**
 * Reads a replay file line by line, each parsed or with the problems that make it unreadable,
 * so that a check goes on past a bad line and can list the problems of every line.
 */
export async function* checkedReplayLines(path: string): AsyncGenerator<CheckedReplayLine> {
  for await (const { text, number } of replayFileLines(path)) {
    try {
      yield { number, line: parseLine(text, number) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      yield { number, refused: error };
    }
  }
}

/** A line of a replay file with its number: parsed, or refused with every problem it has. */
export type CheckedReplayLine =
  | { readonly number: number; readonly line: ReplayLine }
  | { readonly number: number; readonly refused: AppError };

/** The file's lines that are not blank, with their line numbers. */
async function* replayFileLines(path: string) {
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    if (text.trim() !== "") yield { text, number };
  }
}

function parseLine(text: string, number: number): ReplayLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError("malformed_json", `line ${number} is not valid JSON`, [
      { pointer: `line ${number}`, expected: "one JSON object per line" },
    ]);
  }
  const parsed = ReplayLine.safeParse(json);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.flatMap((issue) => lineProblems(number, issue));
  throw new AppError("invalid_request", `line ${number} is not a replay item`, fields);
}

/** A line's problem per issue; an unknown key is named at its own path, as the API does. */
function lineProblems(number: number, issue: z.core.$ZodIssue): FieldProblem[] {
  const at = (path: readonly PropertyKey[]) => `line ${number}: /${path.map(String).join("/")}`;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      pointer: at([...issue.path, key]),
      expected: expectation(issue),
    }));
  }
  return [{ pointer: at(issue.path), expected: expectation(issue) }];
}

/** Writes a simulated stream as a replay file. */
export async function writeReplayFile(path: string, items: Iterable<SimItem>): Promise<number> {
  const out = createWriteStream(path);
  let count = 0;
  for (const item of items) {
    if (!out.write(`${JSON.stringify(toReplayLine(item))}\n`)) await once(out, "drain");
    count += 1;
  }
  out.end();
  await once(out, "finish");
  return count;
}

const iso = (at: number) => new Date(at).toISOString();

/** A simulated item in the replay file's form. */
export function toReplayLine(item: SimItem): ReplayLine {
  if (item.kind === "event") {
    const { event } = item;
    const { id, type, schemaVersion, subjectId, source, data } = event;
    return {
      kind: "event",
      event: {
        id,
        type,
        schemaVersion,
        subjectId,
        occurredAt: iso(event.occurredAt),
        source,
        data,
      },
    };
  }
  if (item.kind === "consent") {
    const { record } = item;
    const { id, purpose, channel, kind, express, jurisdiction, source, evidence } = record;
    const expiresAt = record.expiresAt === undefined ? undefined : iso(record.expiresAt);
    const fields = { id, purpose, channel, kind, capturedAt: iso(record.capturedAt), expiresAt };
    return {
      kind: "consent",
      subjectId: record.subjectId,
      record: { ...fields, express, jurisdiction, source, evidence },
    };
  }
  return { kind: "event", event: signalEvent(item) };
}

function signalEvent(item: Exclude<SimItem, { kind: "event" | "consent" }>): EventInput {
  const base = { schemaVersion: 1, occurredAt: iso(item.at), source: "consent-tool" };
  if (item.kind === "contact") {
    const data = { channel: item.channel, jurisdiction: item.jurisdiction };
    return {
      ...base,
      id: `contact/${item.subjectId}/${item.channel}/${item.at}`,
      type: "contact.updated",
      subjectId: item.subjectId,
      data,
    };
  }
  if (item.kind === "gpc") {
    return {
      ...base,
      id: `gpc/${item.subjectId}/${item.at}`,
      type: "gpc.signal",
      subjectId: item.subjectId,
      data: {},
    };
  }
  const { record } = item;
  const data = { reason: record.reason, channel: record.channel };
  return {
    ...base,
    id: `suppression/${record.id}`,
    type: "suppression.recorded",
    subjectId: record.subjectId,
    data,
  };
}
