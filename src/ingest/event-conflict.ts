import { canonicalJson } from "../decision-log/chain.ts";
import type { AssentEvent } from "../engine/types.ts";

/** The fields of an event that its id stands for: a re-sent id must repeat them all. */
export const EVENT_CONTENT = [
  "type",
  "subjectId",
  "schemaVersion",
  "occurredAt",
  "source",
  "data",
] as const;

export type EventContentField = (typeof EVENT_CONTENT)[number];

/**
 * The content fields in which a re-sent event differs from the stored one with its id; empty
 * when it is a true duplicate. `receivedAt` is when we heard of it, not what happened, so it
 * may differ. `data` is compared as canonical JSON: the order of its keys does not matter.
 *
 * @example
 * conflictingFields(stored, { ...stored, data: { amount: 2 } }) // → ["data"]
 */
export function conflictingFields(stored: AssentEvent, resent: AssentEvent): EventContentField[] {
  return EVENT_CONTENT.filter((field) =>
    field === "data"
      ? canonicalJson(stored.data) !== canonicalJson(resent.data)
      : stored[field] !== resent[field],
  );
}
