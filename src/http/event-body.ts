import type { AssentApp } from "../app/assent-app.ts";
import type { AppError, FieldProblem } from "../app/errors.ts";
import { EventBatch, EventInput } from "../ingest/input-schema.ts";
import { batchRefusal as refusalOf, wellFormedItems } from "./batch-refusal.ts";
import { fieldProblems, parseInput } from "./field-problems.ts";

/** Events read from a request, where each one's fields are in the body, and what is malformed. */
export interface ReadEvents {
  /** The events of the right shape, in request order. */
  readonly events: EventInput[];
  readonly pointerBase: (index: number) => string;
  /** Every field that does not match the request schema; when there is any, nothing is stored. */
  readonly malformed: readonly FieldProblem[];
}

function isBatch(body: unknown): body is { readonly events: unknown } {
  return typeof body === "object" && body !== null && !Array.isArray(body) && "events" in body;
}

/**
 * Reads one event or a batch. A batch is all-or-nothing on validation: the shape of every
 * event is checked here and its type and data by the app, both before anything is stored. A
 * batch with malformed events still has its well-formed events read, so that the app can check
 * them too and one answer can list every bad field of every event (`/events/3/occurredAt`);
 * see {@link batchRefusal}. A lone event of the wrong shape is refused at once.
 */
export function readEvents(body: unknown): ReadEvents {
  if (isBatch(body)) return readBatch(body);
  return { events: [parseInput(EventInput, body, "event")], pointerBase: () => "", malformed: [] };
}

function readBatch(body: { readonly events: unknown }): ReadEvents {
  const parsed = EventBatch.safeParse(body);
  if (parsed.success) {
    return {
      events: parsed.data.events,
      pointerBase: (index) => `/events/${index}`,
      malformed: [],
    };
  }

  const wellFormed = wellFormedItems(EventInput, parsed.error, body.events, ["events"]);
  return {
    events: wellFormed.map(({ item }) => item),
    pointerBase: (index) => `/events/${wellFormed[index]?.index ?? index}`,
    malformed: fieldProblems(parsed.error),
  };
}

/**
 * The refusal of a batch with malformed events. Its well-formed events are checked against the
 * catalog as well (nothing is stored), so the answer lists every bad field of the batch in event
 * order. Any malformed field makes it a 400 `invalid_request`, whatever the catalog says.
 */
export async function batchRefusal(app: AssentApp, read: ReadEvents): Promise<AppError> {
  const checked = read.events.length === 0 ? [] : await app.validate(read.events, read.pointerBase);
  return refusalOf(read.malformed, checked, "/events/");
}
