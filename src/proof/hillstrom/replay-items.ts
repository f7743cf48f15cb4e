/**
 * The Hillstrom customers as subjects of the retail playbook: a replay file (see README, "The
 * replay file") with each customer's e-mail contact point, profile, consent records and one
 * weekly campaign slot, ready for `assent replay`.
 *
 * Consent rule (seeded; docs/hillstrom.md): for each customer a draw u from the sfc32 stream
 * seeded by (seed, row) decides
 * - u < 0.65: granted marketing.campaigns by e-mail, captured 30 to 700 days before the run;
 * - 0.65 ≤ u < 0.75: granted as above, then withdrawn 1 to 29 days before the run;
 * - u ≥ 0.75: no consent record at all (never asked, or declined).
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { ReplayLine } from "../../replay/replay-file.ts";
import { mixSeed, Random } from "../../simulator/random.ts";
import { retailProfile } from "../uplift/features.ts";
import type { HillstromCustomer } from "./hillstrom.ts";
import { shuffledIndices } from "./split.ts";

export type ConsentState = "granted" | "withdrawn" | "none";

export interface ReplayPlan {
  /** Seeds the consent rule and the sample. */
  readonly seed: number;
  /** The run's first instant: contacts and profiles arrive then; slots open a day later. */
  readonly start: number;
}

const DAY = 86_400_000;
const PURPOSE = "marketing.campaigns";

/** The subject id of a customer: the data row, nothing personal. */
export function subjectIdOf(customer: HillstromCustomer): string {
  return `hillstrom-${customer.row}`;
}

/**
 * The consent state the rule gives a customer (and the capture instants it draws).
 *
 * @example consentOf(customer, 1, start).state // "granted", "withdrawn" or "none"
 */
export function consentOf(customer: HillstromCustomer, seed: number, start: number) {
  const random = new Random(mixSeed(seed, customer.row));
  const u = random.next();
  const grantedAt = start - random.int(30, 700) * DAY;
  const withdrawnAt = start - random.int(1, 29) * DAY;
  const state: ConsentState = u < 0.65 ? "granted" : u < 0.75 ? "withdrawn" : "none";
  return { state, grantedAt, withdrawnAt };
}

/** A seeded sample of `size` customers (all when size is absent or too large), in row order. */
export function sampleCustomers(
  customers: readonly HillstromCustomer[],
  size: number | undefined,
  seed: number,
): HillstromCustomer[] {
  if (size === undefined || size >= customers.length) return [...customers];
  const order = shuffledIndices(customers.length, new Random(mixSeed(seed, 0x5a3b)));
  const picked = Array.from(order.subarray(0, size)).sort((a, b) => a - b);
  return picked.map((index) => customers[index]).filter((c) => c !== undefined);
}

/** Every replay line for the customers, in time order. */
export function replayLines(
  customers: readonly HillstromCustomer[],
  plan: ReplayPlan,
): ReplayLine[] {
  const timed = customers.flatMap((customer, index) => customerLines(customer, index, plan));
  // Stable: lines of one instant keep their per-customer order.
  timed.sort((a, b) => a.at - b.at);
  return timed.map((entry) => entry.line);
}

interface TimedLine {
  readonly at: number;
  readonly line: ReplayLine;
}

function customerLines(customer: HillstromCustomer, index: number, plan: ReplayPlan): TimedLine[] {
  const subjectId = subjectIdOf(customer);
  const iso = (at: number) => new Date(at).toISOString();
  const event = (at: number, type: string, data: Record<string, unknown>): TimedLine => ({
    at,
    line: {
      kind: "event",
      event: {
        id: `${type}/${subjectId}`,
        type,
        schemaVersion: 1,
        subjectId,
        occurredAt: iso(at),
        source: "crm",
        data,
      },
    },
  });
  // Slots open a second apart from 10:00 Amsterdam time, wrapping after 30,000 customers, so
  // every slot falls between 10:00 and 18:20, outside the node's quiet hours (20:00 to 09:00).
  const slotAt = plan.start + DAY + 3 * 3_600_000 + (index % 30_000) * 1000;
  return [
    event(plan.start, "contact.updated", { channel: "email", jurisdiction: "NL" }),
    event(plan.start, "retail.profile_refreshed", retailProfile(customer)),
    ...consentLines(customer, plan),
    event(slotAt, "campaign.slot_opened", {}),
  ];
}

function consentLines(customer: HillstromCustomer, plan: ReplayPlan): TimedLine[] {
  const { state, grantedAt, withdrawnAt } = consentOf(customer, plan.seed, plan.start);
  if (state === "none") return [];
  const subjectId = subjectIdOf(customer);
  const record = (kind: "grant" | "withdrawal", at: number): TimedLine => ({
    at,
    line: {
      kind: "consent",
      subjectId,
      record: {
        id: `consent/${subjectId}/${kind}`,
        purpose: PURPOSE,
        channel: "email",
        kind,
        capturedAt: new Date(at).toISOString(),
        source: "crm-import",
        evidence: `hillstrom-consent-${kind}-${customer.row}`,
      },
    },
  });
  const grant = record("grant", grantedAt);
  return state === "granted" ? [grant] : [grant, record("withdrawal", withdrawnAt)];
}

/** Writes replay lines as NDJSON; resolves with the number written. */
export async function writeReplayLines(path: string, lines: readonly ReplayLine[]) {
  const out = createWriteStream(path);
  for (const line of lines) {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return lines.length;
}
