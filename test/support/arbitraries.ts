import fc from "fast-check";
import type { ExperimentSpec } from "../../src/engine/node.ts";
import type {
  Cap,
  Channel,
  ConsentRecord,
  ConsentView,
  LawfulBasis,
  Purpose,
  QuietHours,
  SuppressionRecord,
} from "../../src/engine/types.ts";
import { DAY, message } from "./builders.ts";

/** Shared fast-check generators for engine properties. */

export const T0 = Date.UTC(2025, 0, 6, 0, 0, 0);
const HOUR = 3_600_000;

export const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Sydney",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/St_Johns",
  "Europe/Berlin",
  "Asia/Tokyo",
  "Pacific/Auckland",
  "UTC",
];

const PURPOSES: readonly Purpose[] = [
  { id: "marketing.campaigns", kind: "marketing", marks: [], description: "offers" },
  { id: "marketing.ads", kind: "marketing", marks: ["targeted_advertising"], description: "ads" },
  { id: "service.claim_updates", kind: "service", marks: [], description: "claims" },
];

const BASES: readonly LawfulBasis[] = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
];

const SUBJECT_CHANNELS: readonly Channel[] = ["email", "sms"];

export const arbZone = () => fc.constantFrom(...ZONES);

export function arbNodeShape() {
  return fc
    .record({
      purpose: fc.constantFrom(...PURPOSES),
      basis: fc.constantFrom(...BASES),
      channels: fc.subarray([...SUBJECT_CHANNELS], { minLength: 1 }),
    })
    .map(({ purpose, basis, channels }) => ({
      purpose,
      basis,
      channels,
      actions: [message({ channels })],
    }));
}

function arbRecord(at: number, index: number) {
  return fc
    .record({
      purpose: fc.constantFrom(...PURPOSES.map((p) => p.id)),
      channel: fc.constantFrom<Channel | "*">("email", "sms", "*"),
      kind: fc.constantFrom("grant", "grant", "pending", "withdrawal", "objection", "soft_opt_in"),
      expires: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      express: fc.boolean(),
    })
    .map(
      (r): ConsentRecord => ({
        id: `c-${index}`,
        subjectId: "s-1",
        purpose: r.purpose,
        channel: r.channel,
        kind: r.kind,
        capturedAt: at,
        expiresAt: r.expires === undefined ? undefined : at + r.expires * DAY,
        express: r.express,
        source: "test",
        evidence: `ev-${index}`,
      }),
    );
}

/** Records at distinct capture instants (minutes apart), so "latest" is never a tie. */
function arbRecords() {
  const instants = fc.uniqueArray(fc.integer({ min: 0, max: 120 * 24 * 60 }), { maxLength: 8 });
  return instants.chain((minutes) =>
    fc.tuple(...minutes.map((m, i) => arbRecord(T0 + m * 60_000, i))),
  );
}

function arbSuppression(index: number) {
  return fc
    .record({
      reason: fc.constantFrom("unsubscribed", "hard_bounce", "complaint", "do_not_contact"),
      channel: fc.constantFrom<Channel | "*">("email", "sms", "*"),
      since: fc.integer({ min: 0, max: 120 * DAY }),
      lifted: fc.option(fc.integer({ min: 1, max: 60 * DAY }), { nil: undefined }),
    })
    .map(
      (s): SuppressionRecord => ({
        id: `sup-${index}`,
        subjectId: "s-1",
        reason: s.reason,
        channel: s.channel,
        since: T0 + s.since,
        liftedAt: s.lifted === undefined ? undefined : T0 + s.since + s.lifted,
      }),
    );
}

export function arbConsentView() {
  const jurisdiction = fc.option(fc.constantFrom("EU", "UK", "US", "BR", "CA"), { nil: undefined });
  return fc
    .record({
      records: arbRecords(),
      suppressions: fc.oneof(
        fc.constant([]),
        fc.tuple(arbSuppression(0)),
        fc.tuple(arbSuppression(0), arbSuppression(1)),
      ),
      gpc: fc.option(fc.integer({ min: 0, max: 120 * DAY }), { nil: undefined, freq: 4 }),
      email: jurisdiction,
      sms: jurisdiction,
    })
    .map(
      (v): ConsentView => ({
        subjectId: "s-1",
        records: v.records,
        suppressions: v.suppressions,
        gpcSince: v.gpc === undefined ? undefined : T0 + v.gpc,
        contacts: {
          ...(v.email === undefined ? {} : { email: { jurisdiction: v.email } }),
          ...(v.sms === undefined ? {} : { sms: { jurisdiction: v.sms } }),
        },
      }),
    );
}

/** A subject who granted marketing consent on every channel long ago, with no other records. */
export function grantedView(): ConsentView {
  const grant: ConsentRecord = {
    id: "c-grant",
    subjectId: "s-1",
    purpose: "marketing.campaigns",
    channel: "*",
    kind: "grant",
    capturedAt: T0 - 365 * DAY,
    source: "test",
    evidence: "ev-grant",
  };
  return { subjectId: "s-1", records: [grant], suppressions: [], contacts: {} };
}

function arbCap(id: string, scope: Cap["scope"]) {
  return fc
    .record({
      max: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined, freq: 6 }),
      period: fc.integer({ min: 1, max: 10 * 24 }),
      counts: fc.constantFrom<Cap["counts"]>("marketing", "all"),
    })
    .map((c): Cap => ({ id, scope, max: c.max, periodMs: c.period * HOUR, counts: c.counts }));
}

export function arbCaps() {
  return fc.record({
    node: fc.oneof(fc.constant([]), fc.tuple(arbCap("node-cap", "node"))),
    global: fc.oneof(fc.constant([]), fc.tuple(arbCap("fatigue", "global"))),
  });
}

export function arbQuietHours() {
  return fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }))
    .filter(([start, end]) => start !== end)
    .map(([startMinute, endMinute]): QuietHours => ({ startMinute, endMinute, mode: "defer" }));
}

export function arbExperiment() {
  return fc
    .record({
      treatment: fc.integer({ min: 1, max: 99 }),
      traffic: fc.constantFrom(0.25, 0.5, 1),
      salt: fc.string({ minLength: 1, maxLength: 12 }),
    })
    .map(
      ({ treatment, traffic, salt }): ExperimentSpec => ({
        salt,
        arms: [
          { name: "treatment", weight: treatment },
          { name: "holdout", weight: 100 - treatment },
        ],
        control: "holdout",
        traffic,
      }),
    );
}
