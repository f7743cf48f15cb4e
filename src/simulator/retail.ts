import type { AttributeValue, Instant } from "../engine/types.ts";
import { DAY, MINUTE } from "./clock.ts";
import { type ConsentPlan, enrol } from "./consent-signals.ts";
import type { PlaybookModel } from "./model.ts";
import { identityData, type SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";

/**
 * Retail customers shaped like the Hillstrom e-mail experiment's (recency, history, mens,
 * womens, zip_code, newbie, channel), all imported on day 0 and recomputed by the CRM every
 * week. They visit and sometimes buy; loyalty members' tiers come up for renewal on their own
 * day of the year. The CRM's campaign calendar opens one slot per customer per week.
 */

const CONSENT: ConsentPlan = {
  optIn: ["marketing.campaigns"],
  softOptIn: ["marketing.loyalty"],
  objectable: ["marketing.loyalty"],
  contacts: [
    ["email", 1],
    ["sms", 0.35],
    ["push", 0.4],
  ],
};

type Tier = "basic" | "silver" | "gold" | "platinum";
type BuyingChannel = "Phone" | "Web" | "Multichannel";

const TIERS: readonly Tier[] = ["basic", "silver", "gold", "platinum"];

/** Points needed in a tier year to keep each tier. */
const KEEP_TIER: Readonly<Record<Tier, number>> = {
  basic: 0,
  silver: 500,
  gold: 1500,
  platinum: 4000,
};

/** Chance of a site visit per day: web and multichannel buyers visit far more often. */
const VISIT_RATE: Readonly<Record<BuyingChannel, number>> = {
  Phone: 1 / 40,
  Web: 1 / 12,
  Multichannel: 1 / 10,
};

interface RetailState {
  /** Months since the last purchase as imported; the run's own orders take over from there. */
  readonly importedRecency: number;
  readonly zipCode: string;
  readonly newbie: boolean;
  readonly channel: BuyingChannel;
  lastOrderAt?: Instant;
  history: number;
  mens: boolean;
  womens: boolean;
  tier: Tier;
  points: number;
  tierExpiryDay: number;
}

/** The retail customer model. */
export const retailModel: PlaybookModel<RetailState> = {
  consent: CONSENT,
  begin: beginCustomer,
  day(sim, subject, state, day) {
    if (day > 0 && day % 7 === 0) refresh(sim, subject, state, day);
    if (day % 7 === 1) campaignSlot(sim, subject, day);
    if (day === state.tierExpiryDay) renewTier(sim, subject, state, day);
    if (subject.random.chance(VISIT_RATE[state.channel])) visit(sim, subject, state, day);
  },
};

function beginCustomer(sim: Sim, subject: SimSubject): RetailState {
  const state = hillstromCustomer(subject);
  const at = sim.importAt(subject);
  sim.timeline.event(subject, at, "subject.synced", "crm", {
    ...identityData(subject),
    ...profileData(sim, state, at),
  });
  const capturedAt = at - subject.random.int(30, 800) * DAY;
  enrol(sim, subject, CONSENT, { at: at + 1, capturedAt, imported: true });
  return state;
}

/** Draws a customer with roughly the Hillstrom marginal distributions. */
function hillstromCustomer(subject: SimSubject): RetailState {
  const random = subject.random;
  const recencyWeights = [14, 12, 10, 9, 7, 7, 6, 6, 8, 8, 5, 5];
  const mens = random.chance(0.55);
  const womens = random.chance(0.55) || !mens;
  const channel = random.weighted<BuyingChannel>([
    ["Phone", 44],
    ["Web", 44],
    ["Multichannel", 12],
  ]);
  const tier = random.weighted<Tier>([
    ["basic", 50],
    ["silver", 30],
    ["gold", 15],
    ["platinum", 5],
  ]);
  return {
    importedRecency: random.weighted(
      recencyWeights.map((weight, index) => [index + 1, weight] as const),
    ),
    history: Math.round(Math.min(3345.93, Math.max(29.99, random.logNormal(160, 0.9))) * 100) / 100,
    mens,
    womens,
    zipCode: random.weighted([
      ["Urban", 40],
      ["Suburban", 45],
      ["Rural", 15],
    ]),
    newbie: random.chance(0.5),
    channel,
    tier,
    points: Math.round(random.logNormal(Math.max(200, KEEP_TIER[tier]), 0.5) * random.next()),
    tierExpiryDay: random.int(1, 365),
  };
}

/** Everything the CRM knows about the customer, as catalog attributes. */
function profileData(sim: Sim, state: RetailState, at: Instant): Record<string, AttributeValue> {
  return {
    "retail.recency": recency(sim, state, at),
    "retail.history": state.history,
    "retail.mens": state.mens,
    "retail.womens": state.womens,
    "retail.zip_code": state.zipCode,
    "retail.newbie": state.newbie,
    "retail.channel": state.channel,
    "loyalty.tier": state.tier,
    "loyalty.points": state.points,
    "loyalty.tier_expiry": sim.clock.dayStart(state.tierExpiryDay),
  };
}

function recency(sim: Sim, state: RetailState, at: Instant): number {
  if (state.lastOrderAt !== undefined) {
    return Math.min(12, Math.max(1, Math.ceil((at - state.lastOrderAt) / (30 * DAY))));
  }
  return Math.min(12, state.importedRecency + Math.floor(sim.clock.dayOf(at) / 30));
}

/** The CRM recomputes the customer fields every week, early in the morning. */
function refresh(sim: Sim, subject: SimSubject, state: RetailState, day: number) {
  const at = sim.jobAt(subject, day, 2 * 60);
  sim.timeline.event(subject, at, "retail.profile_refreshed", "crm", profileData(sim, state, at));
}

/** The campaign calendar opens this week's slot mid-morning in Europe; it carries no data. */
function campaignSlot(sim: Sim, subject: SimSubject, day: number) {
  sim.timeline.event(subject, sim.jobAt(subject, day, 9 * 60), "campaign.slot_opened", "crm", {});
}

/** A member who collected enough points keeps the tier; one who did not drops a tier. */
function renewTier(sim: Sim, subject: SimSubject, state: RetailState, day: number) {
  const index = TIERS.indexOf(state.tier);
  const kept = state.points >= KEEP_TIER[state.tier];
  state.tier = kept ? state.tier : (TIERS[Math.max(0, index - 1)] ?? "basic");
  state.points = 0;
  state.tierExpiryDay = day + 365;
  sim.timeline.event(subject, sim.jobAt(subject, day, 60), "loyalty.tier_renewed", "crm", {
    "loyalty.tier": state.tier,
    "loyalty.points": 0,
    "loyalty.tier_expiry": sim.clock.dayStart(state.tierExpiryDay),
  });
}

/** A site visit; about one in eight ends in an order, which earns a point per unit spent. */
function visit(sim: Sim, subject: SimSubject, state: RetailState, day: number) {
  const random = subject.random;
  const visitedAt = sim.activeAt(subject, day);
  sim.timeline.event(subject, visitedAt, "web.visit", "web", {});
  if (!random.chance(0.12)) return;

  const amount = Math.round(random.logNormal(55, 0.7) * 100) / 100;
  const orderedAt = visitedAt + random.int(5, 40) * MINUTE;
  state.lastOrderAt = orderedAt;
  state.history = Math.round((state.history + amount) * 100) / 100;
  if (random.chance(0.5)) state.mens = true;
  else state.womens = true;
  state.points += Math.floor(amount);
  sim.timeline.event(subject, orderedAt, "order.placed", "shop", {
    "order.amount": amount,
    "loyalty.points": state.points,
  });
}
