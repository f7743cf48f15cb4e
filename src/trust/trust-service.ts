/**
 * What the subject can do for themselves: see and switch their choices, unsubscribe in one
 * click, take a copy of their data, erase it, and ask for a fresh link. Every change goes
 * through the application layer (consent ledger records, suppression signals, erasure), so it
 * takes effect for the very next decision and for anything already in flight.
 */

import type { AppLogger } from "../app/app.ts";
import type { AssentApp, ErasureReport } from "../app/assent-app.ts";
import { AppError } from "../app/errors.ts";
import type { DeliveryTarget } from "../app/recorder.ts";
import type { Channel, ConsentView, Instant } from "../engine/types.ts";
import type { Deployment } from "../playbook/loader.ts";
import type { Store, StoredDecision } from "../store/store.ts";
import { type Choice, choicesOf, type Offer, offersOf, switchKind } from "./choices.ts";
import type { PreferenceLink, TrustLinks } from "./links.ts";
import { type SubjectExport, subjectExport } from "./subject-export.ts";

/** The `source` of ledger records the preference centre writes. */
export const PREFERENCE_SOURCE = "preference_centre";
/** The `source` of suppressions written by a one-click unsubscribe (RFC 8058). */
export const UNSUBSCRIBE_SOURCE = "one_click_unsubscribe";
/** How many recent decisions the page shows. */
const RECENT_DECISIONS = 10;
/** Decisions in one export; a subject past this gets the newest and `decisionsTruncated`. */
const EXPORT_DECISIONS = 100_000;

export interface TrustServiceOptions {
  readonly app: AssentApp;
  readonly store: Store;
  readonly deployment: Deployment;
  readonly links: TrustLinks;
  readonly clock: () => Instant;
  readonly newId: () => string;
  /** Where a fresh link requested by the subject is handed for sending (the outbox). */
  readonly targets: readonly DeliveryTarget[];
  /** Lifetime of the links this service issues (default 7 days). */
  readonly linkTtl?: number | string;
  readonly logger?: AppLogger;
}

/** What the preference centre shows. */
export interface PreferencePage {
  readonly subjectId: string;
  /** Set when the subject's data was erased: there is nothing left to show or change. */
  readonly erasedAt?: Instant;
  /** Since when marketing e-mail is suppressed by an unsubscribe; absent while it is not. */
  readonly unsubscribedSince?: Instant;
  readonly choices: readonly Choice[];
  readonly decisions: readonly StoredDecision[];
}

/** A switch the subject pressed. */
export interface ChoiceInput {
  readonly purpose: string;
  readonly channel: string;
  readonly on: boolean;
}

export interface TrustService {
  readonly links: TrustLinks;
  page(subjectId: string): Promise<PreferencePage>;
  /** When the subject's data was erased; undefined while it was not. */
  erasedAt(subjectId: string): Promise<Instant | undefined>;
  /** Writes the ledger record of a switch; `linkId` is its evidence. Returns the new state. */
  setChoice(subjectId: string, input: ChoiceInput, linkId: string): Promise<Choice>;
  /** RFC 8058: suppresses marketing e-mail now; `changed` is false when it already was. */
  unsubscribe(subjectId: string): Promise<{ readonly changed: boolean }>;
  /** Whether marketing e-mail is suppressed for the subject now. */
  isUnsubscribed(subjectId: string): Promise<boolean>;
  exportData(subjectId: string): Promise<SubjectExport & { readonly decisionsTruncated: boolean }>;
  erase(subjectId: string): Promise<ErasureReport>;
  /**
   * Hands a fresh link to the outbox when a channel is on file; says nothing either way. One
   * request per `expiredLinkId`: pressing the button again sends nothing more.
   */
  requestFreshLink(subjectId: string, expiredLinkId: string): Promise<void>;
  /** A link for operators to send (CLI, API). */
  issueLink(subjectId: string): PreferenceLink;
}

/**
 * Builds the service from the application, the store (for the export's reads) and the links.
 *
 * @example const trust = createTrustService({ app, store, deployment, links, clock: Date.now, newId, targets });
 */
export function createTrustService(options: TrustServiceOptions): TrustService {
  const { app, store, links, clock } = options;
  const offers = offersOf(options.deployment);
  const ttl = options.linkTtl ?? "7d";
  const choicesNow = async (subjectId: string) => {
    const view = await app.consent(subjectId);
    // Nothing is written for an erased subject: a record would be new data about them.
    if (view.erasedAt !== undefined) {
      throw new AppError("conflict", "this subject's data was erased; nothing can be changed");
    }
    return choicesOf(offers, view, clock());
  };

  return {
    links,
    page: async (subjectId) => {
      const view = await app.consent(subjectId);
      if (view.erasedAt !== undefined) {
        return { subjectId, erasedAt: view.erasedAt, choices: [], decisions: [] };
      }
      const at = clock();
      const choices = choicesOf(offers, view, at);
      const decisions = await app.decisionsOf(subjectId, RECENT_DECISIONS);
      const since = unsubscribedSince(view, at);
      return {
        subjectId,
        choices,
        decisions,
        ...(since === undefined ? {} : { unsubscribedSince: since }),
      };
    },
    erasedAt: async (subjectId) => (await app.consent(subjectId)).erasedAt,
    async setChoice(subjectId, input, linkId) {
      const offer = switchableOffer(await choicesNow(subjectId), input);
      await app.recordConsent(subjectId, {
        purpose: offer.purpose.id,
        channel: offer.channel,
        kind: switchKind(offer.basis, input.on),
        capturedAt: new Date(clock()).toISOString(),
        express: input.on ? true : undefined,
        source: PREFERENCE_SOURCE,
        evidence: `preference-link:${linkId}`,
      });
      options.logger?.info({ subjectId, purpose: offer.purpose.id }, "preference switched");
      return found(await choicesNow(subjectId), offer);
    },
    isUnsubscribed: (subjectId) => isUnsubscribed(app, subjectId, clock()),
    unsubscribe: (subjectId) => unsubscribe(options, subjectId),
    exportData: (subjectId) => exportData(store, subjectId, clock()),
    erase: (subjectId) => app.eraseSubject(subjectId, clock()),
    requestFreshLink: (subjectId, expiredLinkId) =>
      requestFreshLink(options, subjectId, expiredLinkId, links.preferenceLink(subjectId, ttl)),
    issueLink: (subjectId) => links.preferenceLink(subjectId, ttl),
  };
}

function switchableOffer(choices: readonly Choice[], input: ChoiceInput): Choice {
  const choice = choices.find((c) => c.purpose.id === input.purpose && c.channel === input.channel);
  if (choice === undefined) {
    const expected = "a purpose and channel listed on the page";
    throw new AppError("invalid_request", "no such choice", [{ pointer: "/purpose", expected }]);
  }
  if (!choice.switchable) {
    const expected = "a choice that can be switched here";
    throw new AppError("conflict", "this choice cannot be switched here", [
      { pointer: "/purpose", expected },
    ]);
  }
  return choice;
}

function found(choices: readonly Choice[], offer: Offer): Choice {
  const choice = choices.find(
    (c) => c.purpose.id === offer.purpose.id && c.channel === offer.channel,
  );
  if (choice === undefined) throw new Error("an offer vanished between two reads");
  return choice;
}

const UNSUBSCRIBE_CHANNEL: Channel = "email";

async function isUnsubscribed(app: AssentApp, subjectId: string, at: Instant): Promise<boolean> {
  return unsubscribedSince(await app.consent(subjectId), at) !== undefined;
}

/** The earliest unsubscribe from marketing e-mail in force at `at`, if any. */
function unsubscribedSince(view: ConsentView, at: Instant): Instant | undefined {
  const inForce = view.suppressions.filter(
    (s) =>
      s.reason === "unsubscribed" &&
      (s.channel === UNSUBSCRIBE_CHANNEL || s.channel === "*") &&
      s.since <= at &&
      (s.liftedAt === undefined || s.liftedAt > at),
  );
  return inForce.length === 0 ? undefined : Math.min(...inForce.map((s) => s.since));
}

/**
 * Records the unsubscribe as a `suppression.recorded` signal through ingest, so that it is an
 * event with its source and time, and whatever the application does on a suppression (cancel
 * what is in flight) happens. A second click finds the suppression in force and writes nothing.
 */
async function unsubscribe(options: TrustServiceOptions, subjectId: string) {
  const at = options.clock();
  // An erased subject's tombstone already blocks every message; nothing new is stored.
  if ((await options.app.consent(subjectId)).erasedAt !== undefined) return { changed: false };
  if (await isUnsubscribed(options.app, subjectId, at)) return { changed: false };
  await options.app.ingest([
    {
      id: `unsubscribe-${options.newId()}`,
      type: "suppression.recorded",
      schemaVersion: 1,
      subjectId,
      occurredAt: new Date(at).toISOString(),
      source: UNSUBSCRIBE_SOURCE,
      data: { reason: "unsubscribed", channel: UNSUBSCRIBE_CHANNEL },
    },
  ]);
  options.logger?.info({ subjectId }, "unsubscribed by one click");
  return { changed: true };
}

async function exportData(store: Store, subjectId: string, at: Instant) {
  const decisions = await store.decisionsOf(subjectId, EXPORT_DECISIONS);
  const data = {
    subjectId,
    profile: await store.profile(subjectId),
    events: await store.eventsOf(subjectId),
    consent: await store.consentView(subjectId),
    decisions,
    deliveries: await store.deliveriesOf(subjectId),
  };
  return { ...subjectExport(data, at), decisionsTruncated: decisions.length >= EXPORT_DECISIONS };
}

/** Preference for the channel a fresh link goes out on: the first one on file in this order. */
const LINK_CHANNELS: readonly Channel[] = ["email", "sms", "push", "in_app"];

async function requestFreshLink(
  options: TrustServiceOptions,
  subjectId: string,
  expiredLinkId: string,
  link: PreferenceLink,
): Promise<void> {
  const view = await options.app.consent(subjectId);
  const channel = LINK_CHANNELS.find((c) => view.contacts[c] !== undefined);
  if (channel === undefined) return;
  const payload = JSON.stringify({
    kind: "preference_link",
    channel,
    url: link.url,
    expiresAt: new Date(link.expiresAt).toISOString(),
  });
  await options.store.withSubject(subjectId, async (tx) => {
    for (const target of options.targets) {
      await tx.enqueueDelivery({
        deliveryId: options.newId(),
        idempotencyKey: `preference-link:renews:${expiredLinkId}`,
        decisionId: `preference-link:${link.linkId}`,
        subjectId,
        ...target,
        payload,
        dueAt: options.clock(),
      });
    }
  });
  options.logger?.info(
    { subjectId },
    "fresh preference link requested (one delivery per expired link)",
  );
}
