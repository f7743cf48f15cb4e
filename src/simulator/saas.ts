import type { Instant } from "../engine/types.ts";
import { DAY } from "./clock.ts";
import { type ConsentPlan, enrol } from "./consent-signals.ts";
import type { PlaybookModel } from "./model.ts";
import { identityData, type SimSubject } from "./population.ts";
import type { Sim } from "./sim.ts";
import { maybeTicket } from "./support-tickets.ts";

/**
 * SaaS accounts: about a third sign up during the run and are onboarded (a first-project
 * milestone reached by most, at varying delays); the rest are imported on day 0 with a contract
 * whose term ends within the year, renewing or cancelling near its end. Everyone opens support
 * tickets now and then and some answer the satisfaction survey.
 */

const CONSENT: ConsentPlan = {
  optIn: ["marketing.product_news"],
  softOptIn: [],
  objectable: ["service.support_recovery"],
  contacts: [
    ["email", 1],
    ["in_app", 1],
    ["crm", 1],
    ["sms", 0.3],
  ],
};

type PaidPlan = "team" | "business" | "enterprise";

/** Days a trial lasts before it converts to a paid plan or expires. */
const TRIAL_DAYS = 14;

interface SaasState {
  /** The plan the account pays for (or will, once its trial converts). */
  readonly plan: PaidPlan;
  readonly arr: number;
  /** New accounts only: the day of sign-up, and the instant of the first project (if ever). */
  readonly signupDay?: number;
  readonly milestoneAt?: Instant;
  /** Invoices go out every 30 days after this day; undefined for a trial that never pays. */
  readonly paidFromDay?: number;
  /** From this day the account is gone: an expired trial, or a contract cancelled at term end. */
  readonly goneFromDay?: number;
  /** Paid accounts: the day the term ends (may lie past the run), and whether it auto-renews. */
  readonly termEndDay?: number;
  readonly autoRenew: boolean;
  /** The day the contract renewed or was cancelled: billing stops counting down. */
  readonly settledDay?: number;
}

/** The SaaS customer model. */
export const saasModel: PlaybookModel<SaasState> = {
  consent: CONSENT,
  begin: (sim, subject) =>
    subject.random.chance(0.35) ? beginNew(sim, subject) : beginExisting(sim, subject),
  day(sim, subject, state, day) {
    invoice(sim, subject, state, day);
    if (active(state, day)) maybeTicket(sim, subject, onboarding(state, day), day);
  },
};

function beginExisting(sim: Sim, subject: SimSubject): SaasState {
  const random = subject.random;
  const plan = random.weighted<PaidPlan>([
    ["team", 45],
    ["business", 35],
    ["enterprise", 20],
  ]);
  const termEndDay = random.int(1, 365);
  const autoRenew = random.chance(0.55);
  const arr = annualRevenue(subject, plan);
  const at = sim.importAt(subject);
  sim.timeline.event(subject, at, "subject.synced", "crm", {
    ...identityData(subject),
    "account.plan": plan,
    "account.arr": arr,
    "contract.term_end": sim.clock.dayStart(termEndDay),
    "contract.auto_renew": autoRenew,
  });
  const capturedAt = at - random.int(30, 800) * DAY;
  enrol(sim, subject, CONSENT, { at: at + 1, capturedAt, imported: true });
  const settlement = settle(sim, subject, { arr, termEndDay, autoRenew }, at);
  const paidFromDay = random.int(0, 29) - 30;
  return { plan, arr, termEndDay, autoRenew, paidFromDay, ...settlement };
}

function beginNew(sim: Sim, subject: SimSubject): SaasState {
  const random = subject.random;
  const trial = random.chance(0.5);
  const plan = random.weighted<PaidPlan>([
    ["team", 66],
    ["business", 30],
    ["enterprise", 4],
  ]);
  const arr = annualRevenue(subject, plan);
  const signupDay = random.int(0, sim.days - 1);
  const signupAt = sim.activeAt(subject, signupDay);
  sim.timeline.event(subject, signupAt, "account.signed_up", "product", {
    ...identityData(subject),
    "account.plan": trial ? "trial" : plan,
    "account.arr": trial ? 0 : arr,
    "onboarding.first_project_done": false,
  });
  enrol(sim, subject, CONSENT, { at: signupAt + 1_000, capturedAt: signupAt, imported: false });
  const milestoneAt = firstProject(sim, subject, signupAt);
  const base = { plan, arr, signupDay, milestoneAt, autoRenew: true };
  if (!trial) return { ...base, paidFromDay: signupDay, termEndDay: signupDay + 365 };
  return { ...base, ...trialEnd(sim, subject, { plan, arr, signupDay, milestoneAt }) };
}

interface Trial {
  readonly plan: PaidPlan;
  readonly arr: number;
  readonly signupDay: number;
  readonly milestoneAt: Instant | undefined;
}

/**
 * A trial converts at its end, far more often when the account reached its first project;
 * otherwise it expires and the account goes quiet.
 */
function trialEnd(sim: Sim, subject: SimSubject, trial: Trial) {
  const day = trial.signupDay + TRIAL_DAYS;
  const at = sim.jobAt(subject, day, 2 * 60);
  const activated = trial.milestoneAt !== undefined && trial.milestoneAt < at;
  if (!subject.random.chance(activated ? 0.55 : 0.15)) {
    sim.timeline.event(subject, at, "trial.expired", "billing", { "account.plan": "expired" });
    return { goneFromDay: day };
  }
  const termEndDay = day + 365;
  sim.timeline.event(subject, at, "subscription.started", "billing", {
    "account.plan": trial.plan,
    "account.arr": trial.arr,
    "contract.term_end": sim.clock.dayStart(termEndDay),
    "contract.auto_renew": true,
  });
  return { paidFromDay: day, termEndDay };
}

/** Most accounts create a first project, many on the first or second day, some much later. */
function firstProject(sim: Sim, subject: SimSubject, signupAt: Instant): Instant | undefined {
  if (!subject.random.chance(0.78)) return undefined;
  const delay = subject.random.logNormal(1.8 * DAY, 1.2);
  const at = sim.activeAfter(subject, signupAt, Math.min(delay, 60 * DAY));
  const data = { "onboarding.first_project_done": true };
  sim.timeline.event(subject, at, "milestone.first_project", "product", data);
  return at;
}

interface Contract {
  readonly arr: number;
  readonly termEndDay: number;
  readonly autoRenew: boolean;
}

/**
 * Auto-renewing contracts mostly renew at term end; the others are renewed by sales, or
 * cancelled, in the last weeks. Both land after the 90-day mark.
 */
function settle(sim: Sim, subject: SimSubject, contract: Contract, importedAt: Instant) {
  const { termEndDay, autoRenew } = contract;
  const renews = subject.random.chance(autoRenew ? 0.92 : 0.75);
  const automatic = autoRenew && renews;
  const settledDay = automatic ? termEndDay : Math.max(0, termEndDay - subject.random.int(0, 75));
  const at = automatic
    ? sim.jobAt(subject, settledDay, 60)
    : sim.officeAt(subject, settledDay, importedAt);
  if (!renews) {
    sim.timeline.event(subject, at, "contract.cancelled", "billing", {
      "contract.auto_renew": false,
    });
    return { settledDay, goneFromDay: termEndDay };
  }
  sim.timeline.event(subject, at, "contract.renewed", "billing", {
    "contract.term_end": sim.clock.dayStart(termEndDay + 365),
    "contract.auto_renew": autoRenew,
    "account.arr": contract.arr,
  });
  return { settledDay };
}

function annualRevenue(subject: SimSubject, plan: PaidPlan): number {
  const median = { team: 6_000, business: 30_000, enterprise: 140_000 }[plan];
  return Math.round(subject.random.logNormal(median, 0.5));
}

function active(state: SaasState, day: number): boolean {
  if (state.signupDay !== undefined && day <= state.signupDay) return false;
  return state.goneFromDay === undefined || day < state.goneFromDay;
}

function onboarding(state: SaasState, day: number): boolean {
  return state.signupDay !== undefined && day - state.signupDay <= TRIAL_DAYS;
}

/** Paying accounts get an invoice every 30 days, which refreshes plan and revenue. */
function invoice(sim: Sim, subject: SimSubject, state: SaasState, day: number) {
  const from = state.paidFromDay;
  if (from === undefined || day <= from || (day - from) % 30 !== 0 || !active(state, day)) return;
  sim.timeline.event(
    subject,
    sim.jobAt(subject, day, 3 * 60),
    "billing.invoice_issued",
    "billing",
    {
      "account.plan": state.plan,
      "account.arr": state.arr,
    },
  );
}
