/**
 * Jurisdiction rules per channel, as data: a privacy officer reviews this table, not code.
 * A rule adds a requirement to the GDPR Art. 6 basis check for one kind of purpose sent on a
 * channel to a contact point in a jurisdiction. Where no rule matches, the basis check alone
 * decides. `permission.ts` evaluates the rules; this file only declares them.
 */

import type { Channel, PurposeKind } from "../engine/types.ts";

/**
 * What a rule demands of the request and of the latest consent record:
 * - `express_written_consent`: basis `consent`, and a live grant must carry `express: true`;
 *   any other basis has no lawful ground (`no_lawful_basis`); a plain grant is
 *   `consent_missing`.
 * - `consent_or_soft_opt_in`: basis `consent` (the basis check then needs a live grant), or
 *   basis `legitimate_interests` only while the latest record is a soft opt-in in force;
 *   otherwise `no_lawful_basis`.
 */
export type JurisdictionRequirement = "express_written_consent" | "consent_or_soft_opt_in";

/** One row of the table. */
export interface JurisdictionRule {
  readonly id: string;
  /** Region codes, as {@link regionOf} gives them (`US`, `EU`, `UK`). */
  readonly jurisdictions: readonly string[];
  readonly channels: readonly Channel[];
  readonly purposeKind: PurposeKind;
  readonly requires: JurisdictionRequirement;
  /** The law behind the rule, cited in every detail it produces. */
  readonly law: string;
}

/** The rules. Order does not matter: at most one rule may match a region, channel and kind. */
export const JURISDICTION_RULES: readonly JurisdictionRule[] = [
  {
    // Marketing texts to US numbers need prior express written consent (TCPA); the
    // definition of that consent is at 47 CFR 64.1200(f)(9).
    id: "us-sms-marketing",
    jurisdictions: ["US"],
    channels: ["sms"],
    purposeKind: "marketing",
    requires: "express_written_consent",
    law: "TCPA 47 U.S.C. 227(b), 47 CFR 64.1200(a)(2)",
  },
  {
    // Electronic mail (which includes SMS, recital 40) for direct marketing needs prior
    // consent, except the existing-customer soft opt-in for similar products.
    id: "eu-electronic-mail-marketing",
    jurisdictions: ["EU"],
    channels: ["email", "sms"],
    purposeKind: "marketing",
    requires: "consent_or_soft_opt_in",
    law: "ePrivacy Directive 2002/58/EC Art. 13(1)-(2)",
  },
  {
    // The UK's transposition, kept after Brexit.
    id: "uk-electronic-mail-marketing",
    jurisdictions: ["UK"],
    channels: ["email", "sms"],
    purposeKind: "marketing",
    requires: "consent_or_soft_opt_in",
    law: "PECR 2003 reg. 22(2)-(3)",
  },
];

/**
 * ISO 3166 country codes folded into the regions the rules name. The EEA states outside the
 * EU (IS, LI, NO) apply the ePrivacy Directive through the EEA Agreement, so they fold into
 * `EU`; the ISO code of the United Kingdom is `GB`.
 */
const COUNTRY_REGIONS: Readonly<Record<string, string>> = {
  EU: "EU EEA AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO",
  UK: "UK GB",
};

const REGION_OF_COUNTRY: ReadonlyMap<string, string> = new Map(
  Object.entries(COUNTRY_REGIONS).flatMap(([region, countries]) =>
    countries.split(" ").map((country): [string, string] => [country, region]),
  ),
);

/**
 * The region a contact point's jurisdiction belongs to: `DE` → `EU`, `gb` → `UK`,
 * `US-CA` → `US`; region codes (`EU`, `UK`, `US`) and other ISO country codes (`BR`) are
 * returned upper-cased. Anything else (`""`, `USA`, `XX-1`) is undefined: unknown, so the
 * strictest rule applies.
 */
export function regionOf(jurisdiction: string): string | undefined {
  const code = jurisdiction.trim().toUpperCase().replace("_", "-");
  const region = REGION_OF_COUNTRY.get(code);
  if (region !== undefined) return region;
  if (code === "USA" || /^US-[A-Z]{2}$/.test(code)) return "US";
  return isCountryCode(code) ? code : undefined;
}

// ICU's region names tell a real ISO 3166 code from an unassigned one; ZZ is "unknown".
const REGION_NAMES = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

// Asking ICU costs a microsecond and runs on every permission check, so each answer is kept.
// Only two-letter codes reach the cache, so it holds at most 26 × 26 entries.
const COUNTRY_CODES = new Map<string, boolean>();

function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  let known = COUNTRY_CODES.get(code);
  if (known === undefined) {
    known = code !== "ZZ" && REGION_NAMES.of(code) !== undefined;
    COUNTRY_CODES.set(code, known);
  }
  return known;
}

const NO_RULES: readonly JurisdictionRule[] = [];

// region → channel → rules, built once so that a lookup allocates nothing.
const RULE_INDEX: ReadonlyMap<
  string,
  ReadonlyMap<Channel, readonly JurisdictionRule[]>
> = indexRules(JURISDICTION_RULES);

function indexRules(rules: readonly JurisdictionRule[]) {
  const index = new Map<string, Map<Channel, JurisdictionRule[]>>();
  for (const rule of rules) {
    for (const region of rule.jurisdictions) {
      const byChannel = index.get(region) ?? new Map<Channel, JurisdictionRule[]>();
      index.set(region, byChannel);
      for (const channel of rule.channels) {
        byChannel.set(channel, [...(byChannel.get(channel) ?? []), rule]);
      }
    }
  }
  return index;
}

/**
 * The rule for a purpose kind sent on `channel` to a contact point in `jurisdiction`, or
 * undefined when none applies. With no contact point on record, the strictest rule applies.
 *
 * @example
 * jurisdictionRuleFor("US-NY", "sms", "marketing")?.id // → "us-sms-marketing"
 */
export function jurisdictionRuleFor(
  jurisdiction: string | undefined,
  channel: Channel,
  purposeKind: PurposeKind,
): JurisdictionRule | undefined {
  const region = jurisdiction === undefined ? undefined : regionOf(jurisdiction);
  if (region === undefined) return strictestRuleFor(channel, purposeKind);
  const rules = RULE_INDEX.get(region)?.get(channel) ?? NO_RULES;
  for (const rule of rules) if (rule.purposeKind === purposeKind) return rule;
  return undefined;
}

/** Requirements from the strictest down: express written consent also satisfies the others. */
const STRICTNESS: readonly JurisdictionRequirement[] = [
  "express_written_consent",
  "consent_or_soft_opt_in",
];

/**
 * Where the contact point's jurisdiction is unknown, the strictest rule any jurisdiction has
 * for this channel and purpose kind applies (fail closed): an SMS number of unknown origin is
 * treated as a US number for marketing, an e-mail address of unknown origin as an EU one.
 */
function strictestRuleFor(channel: Channel, purposeKind: PurposeKind) {
  return STRICTEST.get(`${channel}/${purposeKind}`);
}

// channel/kind → the strictest rule, built once so that a lookup allocates nothing.
const STRICTEST: ReadonlyMap<string, JurisdictionRule> = new Map(
  JURISDICTION_RULES.flatMap((rule) =>
    rule.channels.map((channel): [string, JurisdictionRule] => [
      `${channel}/${rule.purposeKind}`,
      rule,
    ]),
  ).sort(([, a], [, b]) => STRICTNESS.indexOf(b.requires) - STRICTNESS.indexOf(a.requires)),
);
