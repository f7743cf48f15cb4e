/**
 * Load-time checks on a node's trigger: one kind (event, after or before), events and date
 * attributes that the catalog declares, a date the node may read, and delays and offsets that
 * are more than zero and at most a year. Paths are relative to the node.
 */

import { waitingNote, waitingOn } from "./check-scope.ts";
import { parseDuration } from "./durations.ts";
import type { NodeScope } from "./node-checks.ts";
import type { DateOffset, Trigger } from "./playbook-schema.ts";
import type { Issue } from "./problems.ts";

/** The longest a timer may wait: caps look back this far, and a yearly date repeats after it. */
export const MAX_TIMER_MS = 366 * 86_400_000;
const MAX_TIMER_WORDS = "366d";

const KINDS = ["event", "after", "before"] as const;

/** Every problem of the trigger as written; `bundle` holds the names the node's bundle lists. */
export function triggerIssues(
  trigger: Trigger,
  bundle: ReadonlySet<string>,
  scope: NodeScope,
): Issue[] {
  const kinds = KINDS.filter((kind) => trigger[kind] !== undefined);
  if (kinds.length !== 1) return [{ path: ["trigger"], message: kindMessage(kinds) }];
  return [
    ...eventIssue(trigger.event, ["trigger", "event"], scope),
    ...afterIssues(trigger, bundle, scope),
    ...(trigger.before ? dateIssues(trigger.before, ["trigger", "before"], bundle, scope) : []),
    ...unlessIssues(trigger, scope),
  ];
}

function kindMessage(kinds: readonly string[]): string {
  if (kinds.length === 0) {
    return (
      "a trigger needs one of event (on an event), after (a delay after an event, or an " +
      "offset after a date) or before (an offset before a date)"
    );
  }
  return `a trigger has one of event, after or before, not ${kinds.join(" and ")}`;
}

function afterIssues(trigger: Trigger, bundle: ReadonlySet<string>, scope: NodeScope): Issue[] {
  const after = trigger.after;
  if (after === undefined) return [];
  if ("attribute" in after) return dateIssues(after, ["trigger", "after"], bundle, scope);
  return [
    ...eventIssue(after.event, ["trigger", "after", "event"], scope),
    ...durationIssue(after.delay, ["trigger", "after", "delay"], "delay"),
  ];
}

function unlessIssues(trigger: Trigger, scope: NodeScope): Issue[] {
  const unless = trigger.unless;
  if (unless === undefined) return [];
  const after = trigger.after;
  if (after === undefined || "attribute" in after) {
    const message =
      "unless cancels a timer that an event starts; use it with after: { event, delay }";
    return [{ path: ["trigger", "unless"], message }];
  }
  const path = ["trigger", "unless", "event"];
  if (unless.event === after.event) {
    const message = `unless names ${unless.event}, the event that starts the timer; name another`;
    return [{ path, message }];
  }
  return eventIssue(unless.event, path, scope);
}

function eventIssue(type: string | undefined, path: Issue["path"], scope: NodeScope): Issue[] {
  if (type === undefined || scope.catalog.events.has(type)) return [];
  const waiting = waitingOn([type], scope);
  if (waiting.length > 0) return [waitingNote(path, "event was not checked: it names", waiting)];
  const message = `event ${type} is not declared in the catalog; add it under events: or name a declared event`;
  return [{ path, message }];
}

function dateIssues(
  date: DateOffset,
  path: readonly string[],
  bundle: ReadonlySet<string>,
  scope: NodeScope,
): Issue[] {
  const offset = durationIssue(date.offset, [...path, "offset"], "offset");
  const at = [...path, "attribute"];
  const waiting = waitingOn([date.attribute], scope);
  if (waiting.length > 0) {
    return [waitingNote(at, "the timer's date was not checked: it names", waiting), ...offset];
  }
  const attribute = scope.catalog.attributes.get(date.attribute);
  if (attribute === undefined) {
    return [{ path: at, message: `attribute ${date.attribute} is not in the catalog` }, ...offset];
  }
  if (attribute.type !== "timestamp") {
    const message = `${date.attribute} is a ${attribute.type}, not a timestamp: a timer needs a date attribute`;
    return [{ path: at, message }, ...offset];
  }
  if (!bundle.has(date.attribute)) {
    const message = `${date.attribute} is not in the node's bundle: add it to bundle, since the timer reads it`;
    return [{ path: at, message }, ...offset];
  }
  return offset;
}

function durationIssue(text: string, path: readonly string[], what: string): Issue[] {
  const ms = parseDuration(text) ?? 0;
  const article = what === "offset" ? "an" : "a";
  if (ms <= 0) {
    const message = `${article} ${what} of ${text} is no timer; give more than 0, such as 3d, or trigger on the event itself`;
    return [{ path, message }];
  }
  if (ms > MAX_TIMER_MS) {
    const message = `${article} ${what} of ${text} is longer than ${MAX_TIMER_WORDS}, the longest a timer may wait`;
    return [{ path, message }];
  }
  return [];
}
