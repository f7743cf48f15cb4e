/**
 * IAB TCF v2 consent strings as consent ledger records. The string is decoded with the IAB's
 * own library (`@iabtcf/core`); which of its signals stand for which Assent purpose is declared
 * in the catalog's `tcf:` section. Pure: no I/O, no clock reads.
 */

import { TCString } from "@iabtcf/core";
import type { ConsentKind, ConsentRecord, Instant } from "../engine/types.ts";
import type { TcfSpec } from "../playbook/catalog.ts";

/** The choices a TC string holds, as sets of 1-based ids. */
export interface TcChoices {
  readonly version: number;
  readonly cmpId: number;
  /** When the CMP last updated the string: the instant the subject's choices were captured. */
  readonly lastUpdated: Instant;
  readonly purposeConsents: ReadonlySet<number>;
  readonly purposeInterests: ReadonlySet<number>;
  readonly vendorConsents: ReadonlySet<number>;
  readonly vendorInterests: ReadonlySet<number>;
  /** The publisher TC segment: the publisher's own processing, and its custom purposes. */
  readonly publisherConsents: ReadonlySet<number>;
  readonly publisherInterests: ReadonlySet<number>;
  readonly customConsents: ReadonlySet<number>;
  readonly customInterests: ReadonlySet<number>;
}

/** A decoded string, or what was wrong with it in words. */
export type TcDecoding =
  | { readonly ok: true; readonly choices: TcChoices }
  | { readonly ok: false; readonly problem: string };

/** What a TC string must be, for error messages. */
export const TC_STRING_EXPECTED = "an IAB TCF v2 TC string (base64url segments joined by dots)";

interface IdVector {
  forEach(callback: (value: boolean, id: number) => void): void;
}

function idsOf(vector: IdVector): Set<number> {
  const ids = new Set<number>();
  vector.forEach((value, id) => {
    if (value) ids.add(id);
  });
  return ids;
}

/**
 * Decodes a TC string. Strings of another TCF version, or without a valid last-updated time,
 * are refused: their choices cannot be placed in time.
 *
 * @example
 * const decoded = decodeTcString("CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA");
 * if (decoded.ok) [...decoded.choices.purposeConsents] // [1, 3, 9, 10]
 */
export function decodeTcString(text: string): TcDecoding {
  try {
    const model = TCString.decode(text);
    const lastUpdated = model.lastUpdated?.getTime();
    if (Number(model.version) !== 2) {
      return { ok: false, problem: `it is TCF version ${model.version}, not 2` };
    }
    if (lastUpdated === undefined || Number.isNaN(lastUpdated)) {
      return { ok: false, problem: "it has no valid last-updated time" };
    }
    return { ok: true, choices: choicesOf(model, lastUpdated) };
  } catch (error) {
    // The library throws DecodingError for a bad string, and plain errors for some cut short.
    if (!(error instanceof Error)) throw error;
    return { ok: false, problem: `it cannot be decoded (${error.message.toLowerCase()})` };
  }
}

function choicesOf(model: ReturnType<typeof TCString.decode>, lastUpdated: Instant): TcChoices {
  return {
    version: Number(model.version),
    cmpId: Number(model.cmpId),
    lastUpdated,
    purposeConsents: idsOf(model.purposeConsents),
    purposeInterests: idsOf(model.purposeLegitimateInterests),
    vendorConsents: idsOf(model.vendorConsents),
    vendorInterests: idsOf(model.vendorLegitimateInterests),
    publisherConsents: idsOf(model.publisherConsents),
    publisherInterests: idsOf(model.publisherLegitimateInterests),
    customConsents: idsOf(model.publisherCustomConsents),
    customInterests: idsOf(model.publisherCustomLegitimateInterests),
  };
}

/** Where the string came from: it becomes the records' ids, source and evidence. */
export interface TcOrigin {
  readonly subjectId: string;
  /** The id of the event that carried the string; record ids derive from it. */
  readonly eventId: string;
  readonly source: string;
  readonly tcString: string;
}

/**
 * Whether the string consents to one catalog signal (`purpose.3`, `publisher.2`, `custom.1`).
 * A `purpose.N` signal also needs our vendor's consent when the catalog names our vendor id.
 */
export function signalConsented(choices: TcChoices, signal: string, vendor?: number): boolean {
  const [kind, id] = splitSignal(signal);
  if (kind === "publisher") return choices.publisherConsents.has(id);
  if (kind === "custom") return choices.customConsents.has(id);
  const vendorOk = vendor === undefined || choices.vendorConsents.has(vendor);
  return vendorOk && choices.purposeConsents.has(id);
}

/** Whether the string establishes legitimate interest (no objection) for one catalog signal. */
export function signalInterest(choices: TcChoices, signal: string, vendor?: number): boolean {
  const [kind, id] = splitSignal(signal);
  if (kind === "publisher") return choices.publisherInterests.has(id);
  if (kind === "custom") return choices.customInterests.has(id);
  const vendorOk = vendor === undefined || choices.vendorInterests.has(vendor);
  return vendorOk && choices.purposeInterests.has(id);
}

function splitSignal(signal: string): [string, number] {
  const dot = signal.indexOf(".");
  return [signal.slice(0, dot), Number(signal.slice(dot + 1))];
}

/**
 * The ledger records a TC string stands for, per the catalog's `tcf:` rules, in purpose order.
 * For each purpose:
 *
 * - `consent` signals: a `grant` when the string consents to every one, else a `withdrawal`. A
 *   TC string states the subject's whole current choice, so a missing consent replaces any
 *   earlier grant (GDPR Art. 7(3)). A grant lapses `expires_after` the string's update.
 * - `legitimate_interest` signals: an `objection` (Art. 21) when the string does not establish
 *   legitimate interest for one of them. An established one records nothing: it is the CMP's
 *   default, not an act of the subject, so it never lifts an objection recorded before.
 *
 * Every record is captured at the string's last update, on every channel (`*`), with the
 * string itself as evidence. At the same instant an objection outranks a grant (ledger.ts).
 *
 * @example
 * tcfRecords(choices, { purposes: { "marketing.campaigns": { consent: ["purpose.1"], legitimate_interest: [] } } },
 *   { subjectId: "s-1", eventId: "e-1", source: "cmp", tcString })
 * // → [{ id: "tcf/e-1/marketing.campaigns/consent", kind: "grant", channel: "*", ... }]
 */
export function tcfRecords(choices: TcChoices, spec: TcfSpec, origin: TcOrigin): ConsentRecord[] {
  const records: ConsentRecord[] = [];
  for (const purpose of Object.keys(spec.purposes).sort()) {
    const rule = spec.purposes[purpose];
    if (rule === undefined) continue;
    if (rule.consent.length > 0) {
      const all = rule.consent.every((signal) => signalConsented(choices, signal, spec.vendor));
      records.push(record(choices, spec, origin, purpose, all ? "grant" : "withdrawal"));
    }
    const interests = rule.legitimate_interest;
    if (!interests.every((signal) => signalInterest(choices, signal, spec.vendor))) {
      records.push(record(choices, spec, origin, purpose, "objection"));
    }
  }
  return records;
}

function record(
  choices: TcChoices,
  spec: TcfSpec,
  origin: TcOrigin,
  purpose: string,
  kind: ConsentKind,
): ConsentRecord {
  const expires = kind === "grant" && spec.expiresAfterMs !== undefined;
  return {
    id: `tcf/${origin.eventId}/${purpose}/${kind === "objection" ? "interest" : "consent"}`,
    subjectId: origin.subjectId,
    purpose,
    channel: "*",
    kind,
    capturedAt: choices.lastUpdated,
    ...(expires ? { expiresAt: choices.lastUpdated + (spec.expiresAfterMs ?? 0) } : {}),
    source: origin.source,
    evidence: origin.tcString,
  };
}
