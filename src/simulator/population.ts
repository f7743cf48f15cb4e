import type { AttributeValue, Channel } from "../engine/types.ts";
import { mixSeed, Random } from "./random.ts";

/** Where a simulated subject lives: an IANA zone, its country and the rules' jurisdiction. */
interface Home {
  readonly zone: string;
  readonly country: string;
  /** `EU`, `UK`, `US` or the ISO country code elsewhere. */
  readonly jurisdiction: string;
}

/**
 * Weighted homes: mostly the EU (the deployment decides in the EU), then the UK and the US,
 * and a tail that exercises odd offsets: half-hour zones with DST (St John's, Adelaide), a
 * half-hour zone without (Kolkata), a 45-minute one (Kathmandu) and the southern hemisphere,
 * whose DST runs the other way.
 */
const HOMES: readonly (readonly [Home, number])[] = [
  [{ zone: "Europe/Amsterdam", country: "NL", jurisdiction: "EU" }, 14],
  [{ zone: "Europe/Berlin", country: "DE", jurisdiction: "EU" }, 12],
  [{ zone: "Europe/Paris", country: "FR", jurisdiction: "EU" }, 10],
  [{ zone: "Europe/Madrid", country: "ES", jurisdiction: "EU" }, 6],
  [{ zone: "Europe/Dublin", country: "IE", jurisdiction: "EU" }, 4],
  [{ zone: "Europe/Lisbon", country: "PT", jurisdiction: "EU" }, 3],
  [{ zone: "Europe/Helsinki", country: "FI", jurisdiction: "EU" }, 3],
  [{ zone: "Europe/Athens", country: "GR", jurisdiction: "EU" }, 2],
  [{ zone: "Europe/London", country: "GB", jurisdiction: "UK" }, 12],
  [{ zone: "America/New_York", country: "US", jurisdiction: "US" }, 8],
  [{ zone: "America/Chicago", country: "US", jurisdiction: "US" }, 4],
  [{ zone: "America/Denver", country: "US", jurisdiction: "US" }, 2],
  [{ zone: "America/Los_Angeles", country: "US", jurisdiction: "US" }, 6],
  [{ zone: "America/St_Johns", country: "CA", jurisdiction: "CA" }, 1],
  [{ zone: "Asia/Kolkata", country: "IN", jurisdiction: "IN" }, 3],
  [{ zone: "Asia/Kathmandu", country: "NP", jurisdiction: "NP" }, 1],
  [{ zone: "Asia/Singapore", country: "SG", jurisdiction: "SG" }, 2],
  [{ zone: "Asia/Tokyo", country: "JP", jurisdiction: "JP" }, 2],
  [{ zone: "Australia/Adelaide", country: "AU", jurisdiction: "AU" }, 2],
  [{ zone: "Australia/Sydney", country: "AU", jurisdiction: "AU" }, 2],
  [{ zone: "Pacific/Auckland", country: "NZ", jurisdiction: "NZ" }, 1],
];

/** Share of subjects whose time zone no system knows: they exercise the default-zone path. */
const UNKNOWN_ZONE_SHARE = 0.05;

/** A simulated customer: who they are to the systems of record, and their own random stream. */
export interface SimSubject {
  readonly id: string;
  readonly index: number;
  /** Drives everything that happens to this subject, independent of every other subject. */
  readonly random: Random;
  /** Where the subject really lives, which sets the local hours of what they do. */
  readonly zone: string;
  /** Whether any system of record knows the zone (`subject.timezone` is set). */
  readonly zoneKnown: boolean;
  readonly country: string;
  readonly jurisdiction: string;
}

/** Creates subject `index` of a run; the same seed and index always give the same subject. */
export function createSubject(seed: number, index: number): SimSubject {
  const random = new Random(mixSeed(seed, index));
  const home = random.weighted(HOMES);
  return {
    id: `subj-${String(index).padStart(6, "0")}`,
    index,
    random,
    zone: home.zone,
    zoneKnown: !random.chance(UNKNOWN_ZONE_SHARE),
    country: home.country,
    jurisdiction: home.jurisdiction,
  };
}

/** The identity attributes a system of record sends along with a subject's first event. */
export function identityData(subject: SimSubject): Record<string, AttributeValue> {
  const data: Record<string, AttributeValue> = { "subject.country": subject.country };
  if (subject.zoneKnown) data["subject.timezone"] = subject.zone;
  return data;
}

/**
 * The jurisdiction of a contact point on `channel`. Phone numbers are mostly local, but a few
 * subjects abroad keep a US mobile number, so SMS rules (the TCPA) reach beyond US residents.
 */
export function contactJurisdiction(subject: SimSubject, channel: Channel): string {
  if (channel !== "sms" || subject.jurisdiction === "US") return subject.jurisdiction;
  return subject.random.chance(0.05) ? "US" : subject.jurisdiction;
}
