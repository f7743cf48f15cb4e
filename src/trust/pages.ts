/**
 * The preference centre's pages. Every form posts `application/x-www-form-urlencoded` to the
 * same origin and carries the anti-forgery token; every control has a visible label; choices
 * are grouped per purpose in a fieldset whose legend names the purpose, so a screen reader
 * announces what a button switches.
 */

import { REASONS } from "../engine/reasons.ts";
import type { Instant } from "../engine/types.ts";
import type { StoredDecision } from "../store/store.ts";
import type { Choice } from "./choices.ts";
import { type Html, html, page } from "./html.ts";
import type { PreferencePage } from "./trust-service.ts";
import { channelName, dateText, dateTimeText, outcomeText, stateText } from "./words.ts";

/** What the preference page needs besides the subject's data. */
export interface PageContext {
  /** The path of this link's page, `/preferences/<token>`. */
  readonly base: string;
  readonly csrf: string;
  readonly expiresAt: Instant;
  readonly notice?: string;
}

/** The preference centre of one subject. */
export function preferencePage(data: PreferencePage, context: PageContext): string {
  const notice = context.notice;
  return page(
    "Your privacy choices",
    html`<h1>Your privacy choices</h1>
${notice === undefined ? "" : html`<p class="notice" role="status">${notice}</p>`}
<p>This page is for you alone: please do not forward its link. It works until
${dateTimeText(context.expiresAt)}. Changes take effect at once.</p>
<h2 id="choices-heading">How we may contact you</h2>
${choicesSection(data.choices, context)}
<h2 id="decisions-heading">What we decided recently, and why</h2>
${decisionsTable(data.decisions, data.choices)}
<h2 id="data-heading">Your data</h2>
${dataSection(context, data.unsubscribedSince)}`,
  );
}

function choicesSection(choices: readonly Choice[], context: PageContext): Html {
  if (choices.length === 0) return html`<p>We do not contact you for anything at the moment.</p>`;
  const purposes = [...new Set(choices.map((choice) => choice.purpose.id))];
  return html`${purposes.map((purpose) =>
    purposeForm(
      choices.filter((choice) => choice.purpose.id === purpose),
      context,
    ),
  )}`;
}

function purposeForm(choices: readonly Choice[], context: PageContext): Html {
  const first = choices[0];
  if (first === undefined) return html``;
  const kind = first.purpose.kind === "marketing" ? "Offers and news" : "About your service";
  return html`<form method="post" action="${context.base}/choices">
<input type="hidden" name="csrf" value="${context.csrf}">
<fieldset>
<legend>${first.purpose.description}<span class="kind">${kind}</span></legend>
${choices.map(choiceRow)}
</fieldset>
</form>
`;
}

function choiceRow(choice: Choice): Html {
  const id = `state-${choice.purpose.id}-${choice.channel}`.replace(/[^a-zA-Z0-9_-]/g, "-");
  const name = channelName(choice.channel);
  const state = html`<span class="${choice.on ? "state-on" : "state-off"}">${stateText(choice)}</span>`;
  const verb = choice.on ? "off" : "on";
  const button = choice.switchable
    ? html`<button type="submit" name="set" value="${choice.purpose.id}:${choice.channel}:${verb}" aria-describedby="${id}">Turn ${name.toLowerCase()} ${verb}<span class="visually-hidden"> for ${choice.purpose.description}</span></button>`
    : html`<span class="note">Not changeable here</span>`;
  return html`<div class="choice"><p id="${id}"><strong>${name}:</strong> ${state}</p>${button}</div>
`;
}

function decisionsTable(decisions: readonly StoredDecision[], choices: readonly Choice[]): Html {
  if (decisions.length === 0) return html`<p>We have not decided anything about you yet.</p>`;
  const described = new Map(choices.map((c) => [c.purpose.id, c.purpose.description]));
  const rows = decisions.map(({ decision }) => {
    const about = described.get(decision.purpose) ?? decision.purpose;
    const channel =
      decision.action === undefined ? "" : ` (${channelName(decision.action.channel)})`;
    return html`<tr><td>${dateText(decision.decidedAt)}</td><td>${about}${channel}</td><td>${outcomeText(decision.outcome)}</td><td>${REASONS[decision.reason].sentence}</td></tr>
`;
  });
  return html`<table>
<caption>Our most recent decisions about you, newest first</caption>
<thead><tr><th scope="col">Date</th><th scope="col">About</th><th scope="col">What happened</th><th scope="col">Why</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

function dataSection(context: PageContext, unsubscribedSince: Instant | undefined): Html {
  return html`<div class="actions">
<a class="button secondary" href="${context.base}/export" download>Download a copy of your data</a>
<a class="button secondary" href="${context.base}/erase">Erase your data…</a>
</div>
${unsubscribedSince === undefined ? unsubscribeForm(context) : unsubscribedNote(unsubscribedSince)}`;
}

/** Once unsubscribed, the page says so instead of offering the button again. */
function unsubscribedNote(since: Instant): Html {
  return html`<h3>Marketing e-mail</h3>
<p>You unsubscribed from all marketing e-mail on ${dateText(since)}. Messages about your service still reach you.</p>`;
}

function unsubscribeForm(context: PageContext): Html {
  return html`<form method="post" action="${context.base}/unsubscribe">
<input type="hidden" name="csrf" value="${context.csrf}">
<h3>Stop all marketing e-mail</h3>
<p>One click stops every offer and newsletter we send by e-mail. Messages about your service still reach you.</p>
<button type="submit" class="secondary">Unsubscribe from marketing e-mail</button>
</form>`;
}

/** The confirmation step before erasure. */
export function erasePage(context: Omit<PageContext, "expiresAt">, missing = false): string {
  const error = missing
    ? html`<p class="error" id="confirm-error" role="alert">Tick the box to confirm that you want your data erased.</p>`
    : "";
  return page(
    "Erase your data",
    html`<h1>Erase your data</h1>
${error}
<p>We will permanently erase your profile, the events we received about you and the personal
details in your consent records. Our records of past decisions stay, but nothing in them can be
linked to you or read again. We keep only a one-way code so that we never contact you again.</p>
<p>This cannot be undone. You will not be able to use this page afterwards.</p>
<form method="post" action="${context.base}/erase">
<input type="hidden" name="csrf" value="${context.csrf}">
<div class="confirm">
<input type="checkbox" id="confirm" name="confirm" value="yes" required${missing ? html` aria-invalid="true" aria-describedby="confirm-error"` : ""}>
<label for="confirm">I understand that my data will be erased and that this cannot be undone</label>
</div>
<div class="actions">
<button type="submit" class="danger">Erase my data permanently</button>
<a href="${context.base}">Cancel and go back</a>
</div>
</form>`,
  );
}

/** After erasure. */
export function erasedPage(): string {
  return page(
    "Your data has been erased",
    html`<h1>Your data has been erased</h1>
<p role="status">We have erased your profile and the data we held about you. We will not contact
you again. You can close this page.</p>`,
  );
}

/** An expired link (with a way to ask for a fresh one) or a link that does not work. */
export function linkProblemPage(kind: "expired" | "tampered", renewToken?: string): string {
  if (kind === "tampered") {
    return page(
      "This link does not work",
      html`<h1>This link does not work</h1>
<p>The link may have been copied incompletely. Please open the link in the most recent message
we sent you, or reply to any of our messages to ask for a new link.</p>`,
    );
  }
  return page(
    "This link has expired",
    html`<h1>This link has expired</h1>
<p>For your security, links to your privacy choices work for a limited time.</p>
<form method="post" action="/preferences/renew">
<input type="hidden" name="token" value="${renewToken ?? ""}">
<button type="submit">Send me a new link</button>
</form>
<p class="note">We send it the way we usually reach you.</p>`,
  );
}

/** After a fresh link was asked for: the same words whether or not anything was sent. */
export function renewRequestedPage(): string {
  return page(
    "Check your messages",
    html`<h1>Check your messages</h1>
<p role="status">If we have a way to reach you, a new link is on its way. It may take a few
minutes to arrive.</p>`,
  );
}

/** GET on an unsubscribe link: nothing changes until the button is pressed (RFC 8058). */
export function unsubscribePage(action: string, unsubscribed: boolean): string {
  if (unsubscribed) return unsubscribedPage();
  return page(
    "Unsubscribe from marketing e-mail",
    html`<h1>Unsubscribe from marketing e-mail</h1>
<p>Press the button to stop every offer and newsletter we send you by e-mail. Messages about your
service still reach you.</p>
<form method="post" action="${action}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** After an unsubscribe (also for a repeat). */
export function unsubscribedPage(): string {
  return page(
    "You are unsubscribed",
    html`<h1>You are unsubscribed</h1>
<p role="status">You will not receive marketing e-mail from us any more. Messages about your
service still reach you.</p>`,
  );
}

/** A failure, with the error id that finds it in the log. */
export function errorPage(title: string, detail: string, errorId: string): string {
  return page(
    title,
    html`<h1>${title}</h1>
<p>${detail}</p>
<p class="note">Reference: ${errorId}</p>`,
  );
}
