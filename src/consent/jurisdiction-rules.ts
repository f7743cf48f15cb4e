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
 * returned upper-cased. It reads leniently, so that jurisdictions stored before ingest took
 * only canonical codes ({@link isCanonicalJurisdiction}) are still placed: case, surrounding
 * spaces and `_` for `-` are ignored, `USA` and any `US-` plus two letters read as `US`, and
 * codes ICU knows beyond ISO 3166-1 (`XK`, `UN`) are returned as they are. Anything else
 * (`""`, `XX`, `ZZ`, `XX-1`) is undefined: unknown, so the strictest rule applies.
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

/**
 * The officially assigned ISO 3166-1 alpha-2 codes (249). ICU knows more region codes than
 * these (deprecated ones such as `YU` and `SU`, reserved ones such as `UK`, `EU`, `XK`, `ZZ`),
 * so `Intl.DisplayNames` cannot tell an assigned code from them.
 */
const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
   BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
   EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
   GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
   KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
   MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
   QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
   TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
   ZW`.split(/\s+/),
);

/** The USPS codes of the 50 states, DC and the territories PR, GU, VI, AS and MP. */
const US_STATE_CODES: ReadonlySet<string> = new Set(
  `AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
   NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP`.split(/\s+/),
);

/** The regions a jurisdiction may name, besides countries and US states. */
const REGION_CODES: ReadonlySet<string> = new Set(["EU", "EEA", "UK"]);

/** What a jurisdiction field was expected to hold, in a refusal's words. */
export const JURISDICTION_EXPECTED =
  "an ISO 3166-1 alpha-2 country code such as DE, US or GB, a US state such as US-CA, or a region: EU, EEA or UK";

/**
 * Whether a jurisdiction is written the one way ingest accepts: an assigned ISO 3166-1 alpha-2
 * code in upper case (`NL`, `GB`), a US state or territory as `US-` and its USPS code
 * (`US-CA`, `US-PR`), or exactly `EU`, `EEA` or `UK`. Not `nl`, ` NL `, `us_ca`, `USA`, `US-ZZ`.
 * Every canonical code is one {@link regionOf} places.
 */
export function isCanonicalJurisdiction(code: string): boolean {
  if (ISO_COUNTRY_CODES.has(code) || REGION_CODES.has(code)) return true;
  return code.startsWith("US-") && US_STATE_CODES.has(code.slice(3));
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
