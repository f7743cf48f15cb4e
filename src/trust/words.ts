/**
 * Plain words for the subject: channel names, dates and what each state of a choice means.
 * No jargon, no codes; a subject should understand every line without help.
 */

import type { Channel, Instant, Outcome } from "../engine/types.ts";
import type { Choice, ChoiceCause } from "./choices.ts";

const CHANNEL_NAMES: Readonly<Record<Channel, string>> = {
  email: "E-mail",
  sms: "Text messages",
  push: "Push notifications",
  in_app: "Messages in the app",
  phone: "Phone calls",
  crm: "Contact from our team",
};

/** "E-mail", "Text messages", … */
export function channelName(channel: Channel): string {
  return CHANNEL_NAMES[channel];
}

const DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});
const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** "3 December 2026" (UTC). */
export function dateText(at: Instant): string {
  return DATE.format(at);
}

/** "3 December 2026 at 18:40 UTC". */
export function dateTimeText(at: Instant): string {
  return DATE_TIME.format(at);
}

const CAUSES: Readonly<Record<ChoiceCause, (since: string) => string>> = {
  agreed: (since) => `you agreed${since ? ` on ${since}` : ""}`,
  not_objected: () => "we may send these unless you say no",
  necessary: () => "needed to provide the service you have with us",
  switched_off: (since) => `you switched this off${since ? ` on ${since}` : ""}`,
  objected: (since) => `you said no${since ? ` on ${since}` : ""}`,
  never_agreed: () => "you have not agreed to this",
  expired: (since) => `your agreement from ${since || "earlier"} has expired`,
  unsubscribed: (since) => `you unsubscribed from our marketing${since ? ` on ${since}` : ""}`,
  privacy_signal: (since) =>
    `your browser's Global Privacy Control signal asked us not to${since ? ` (since ${since})` : ""}`,
  not_permitted: () => "the rules where you live do not allow it",
};

/** "On: you agreed on 3 December 2026." */
export function stateText(choice: Choice): string {
  const since = choice.since === undefined ? "" : dateText(choice.since);
  return `${choice.on ? "On" : "Off"}: ${CAUSES[choice.cause](since)}.`;
}

const OUTCOMES: Readonly<Record<Outcome, string>> = {
  act: "Sent",
  suppress: "Not sent",
  defer: "Held back",
  review: "Being checked",
  holdout: "Not sent (comparison group)",
  abstain: "Not sent",
};

/** What happened, in two or three words. */
export function outcomeText(outcome: Outcome): string {
  return OUTCOMES[outcome];
}
