import type { Instant } from "../engine/types.ts";
import { DAY } from "./clock.ts";
import { type ConsentPlan, enrol } from "./consent-signals.ts";
import type { PlaybookModel } from "./model.ts";
import { identityData, type SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";

/**
 * Insurance policyholders, all imported on day 0. Each policy renews on its own day of the year
 * (most renew, some lapse). About one in seven policyholders opens a claim during a 90-day run;
 * claims move through review, sometimes wait for documents, and close after one to several
 * weeks. While a claim is open its holder sometimes calls to ask where it stands.
 */

const CONSENT: ConsentPlan = {
  optIn: ["marketing.renewal_offers"],
  softOptIn: [],
  objectable: [],
  contacts: [
    ["email", 1],
    ["sms", 0.6],
    ["phone", 0.8],
  ],
};

type Product = "motor" | "home" | "travel";

interface ClaimStep {
  readonly at: Instant;
  readonly status: "open" | "in_review" | "awaiting_documents" | "closed";
  readonly nextStep: string;
}

interface Claim {
  readonly openedDay: number;
  readonly closedAt: Instant;
  readonly steps: readonly ClaimStep[];
}

interface InsuranceState {
  readonly product: Product;
  readonly renewalDay: number;
  claim?: Claim;
}

/** Chance per policyholder per day of a new claim: about 15% over 90 days. */
const CLAIM_RATE = 0.15 / 90;

/** The insurance customer model. */
export const insuranceModel: PlaybookModel<InsuranceState> = {
  consent: CONSENT,
  begin: beginPolicy,
  day(sim, subject, state, day) {
    claimDay(sim, subject, state, day);
    if (subject.random.chance(1 / 120)) call(sim, subject, day, otherReason(subject));
  },
};

function beginPolicy(sim: Sim, subject: SimSubject): InsuranceState {
  const random = subject.random;
  const product = random.weighted<Product>([
    ["motor", 45],
    ["home", 35],
    ["travel", 20],
  ]);
  const premium = Math.round(
    random.logNormal({ motor: 650, home: 420, travel: 120 }[product], 0.7),
  );
  const tenure = Math.min(30, Math.floor(random.logNormal(3, 1)));
  const renewalDay = random.int(1, 365);
  const at = sim.importAt(subject);
  sim.timeline.event(subject, at, "subject.synced", "crm", {
    ...identityData(subject),
    "policy.product": product,
    "policy.status": "active",
    "policy.premium": premium,
    "policy.tenure_years": tenure,
    "policy.renewal_date": sim.clock.dayStart(renewalDay),
  });
  const capturedAt = at - (tenure * 365 + random.int(30, 300)) * DAY;
  enrol(sim, subject, CONSENT, { at: at + 1, capturedAt, imported: true });
  renewal(sim, subject, { renewalDay, premium, tenure });
  return { product, renewalDay };
}

/** Most policies renew (premium up a little, tenure up a year); about one in eight lapses. */
function renewal(
  sim: Sim,
  subject: SimSubject,
  policy: { renewalDay: number; premium: number; tenure: number },
) {
  const random = subject.random;
  const at = sim.jobAt(subject, policy.renewalDay, 60);
  if (!random.chance(0.88)) {
    sim.timeline.event(subject, at, "policy.lapsed", "policy", { "policy.status": "lapsed" });
    return;
  }
  sim.timeline.event(subject, at, "policy.renewed", "policy", {
    "policy.status": "active",
    "policy.premium": Math.round(policy.premium * (1.03 + random.next() * 0.09)),
    "policy.tenure_years": policy.tenure + 1,
    "policy.renewal_date": sim.clock.dayStart(policy.renewalDay + 365),
  });
}

function claimDay(sim: Sim, subject: SimSubject, state: InsuranceState, day: number) {
  const claim = state.claim;
  if (claim !== undefined && claim.closedAt >= sim.clock.dayStart(day)) {
    claimTick(sim, subject, claim, day);
    return;
  }
  if (subject.random.chance(CLAIM_RATE)) state.claim = openClaim(sim, subject, state.product, day);
}

/** Opens a claim and schedules its whole course; returns it so that chasing calls follow it. */
function openClaim(sim: Sim, subject: SimSubject, product: Product, day: number): Claim {
  const random = subject.random;
  const openedAt = sim.activeAt(subject, day);
  const median = { motor: 2_500, home: 4_000, travel: 600 }[product];
  sim.timeline.event(subject, openedAt, "claim.opened", "claims", {
    "claim.status": "open",
    "claim.next_step": "assessor_review",
    "claim.amount": Math.round(random.logNormal(median, 1.1)),
  });
  const steps = claimCourse(sim, subject, openedAt, day);
  for (const step of steps.slice(1)) {
    const type = step.status === "closed" ? "claim.closed" : "claim.status_changed";
    const data = { "claim.status": step.status, "claim.next_step": step.nextStep };
    sim.timeline.event(subject, step.at, type, "claims", data);
  }
  const closed = steps[steps.length - 1];
  return { openedDay: day, closedAt: closed?.at ?? openedAt, steps };
}

/**
 * Review starts within two working days; three claims in ten wait for documents the customer
 * sends within a week; the claim closes one to several weeks after it opened.
 */
function claimCourse(sim: Sim, subject: SimSubject, openedAt: Instant, day: number): ClaimStep[] {
  const random = subject.random;
  const steps: ClaimStep[] = [{ at: openedAt, status: "open", nextStep: "assessor_review" }];
  let last = openedAt;
  const push = (after: number, status: ClaimStep["status"], nextStep: string) => {
    last = sim.officeAt(subject, Math.max(day + after, sim.clock.dayOf(last)), last);
    steps.push({ at: last, status, nextStep });
  };
  push(random.int(1, 2), "in_review", "decision_pending");
  if (random.chance(0.3)) {
    push(random.int(2, 5), "awaiting_documents", "documents_needed");
    push(random.int(4, 11), "in_review", "decision_pending");
  }
  const decision = Math.max(sim.clock.dayOf(last) - day + 1, Math.round(random.logNormal(9, 0.6)));
  push(decision, "in_review", "payment_pending");
  push(decision + random.int(1, 4), "closed", "none");
  return steps;
}

/** While a claim is open, in its first ten days, some holders call to ask where it stands. */
function claimTick(sim: Sim, subject: SimSubject, claim: Claim, day: number) {
  const daysOpen = day - claim.openedDay;
  if (daysOpen < 1 || daysOpen > 10 || sim.clock.dayStart(day) >= claim.closedAt) return;
  if (subject.random.chance(0.07)) call(sim, subject, day, "claim_status");
}

function otherReason(subject: SimSubject): string {
  return subject.random.weighted([
    ["billing", 45],
    ["policy_change", 35],
    ["other", 20],
  ]);
}

function call(sim: Sim, subject: SimSubject, day: number, reason: string) {
  const at = sim.officeAt(subject, day);
  sim.timeline.event(subject, at, "call.inbound", "support", { "call.reason": reason });
}
