import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  isCanonicalJurisdiction,
  JURISDICTION_RULES,
  jurisdictionRuleFor,
  regionOf,
} from "../../src/consent/jurisdiction-rules.ts";
import { SUPPRESSION_RULES } from "../../src/consent/suppression.ts";
import { SUPPRESSION_REASONS } from "../../src/engine/types.ts";

describe("jurisdiction rules table", () => {
  test("at most one rule per region, channel and purpose kind", () => {
    const seen = new Set<string>();
    for (const rule of JURISDICTION_RULES) {
      for (const region of rule.jurisdictions) {
        for (const channel of rule.channels) {
          const key = `${region}|${channel}|${rule.purposeKind}`;
          assert.ok(!seen.has(key), `two rules for ${key}`);
          seen.add(key);
        }
      }
    }
  });

  test("every rule has a unique id and cites its law", () => {
    const ids = JURISDICTION_RULES.map((rule) => rule.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of JURISDICTION_RULES) assert.ok(rule.law.length > 0, rule.id);
  });

  test("the rules the issue asks for are present", () => {
    assert.equal(
      jurisdictionRuleFor("US", "sms", "marketing")?.requires,
      "express_written_consent",
    );
    for (const region of ["EU", "UK"]) {
      for (const channel of ["email", "sms"] as const) {
        const rule = jurisdictionRuleFor(region, channel, "marketing");
        assert.equal(rule?.requires, "consent_or_soft_opt_in", `${region} ${channel}`);
      }
    }
  });

  test("no contact point on record: the strictest rule for the channel applies", () => {
    assert.equal(jurisdictionRuleFor(undefined, "sms", "marketing")?.id, "us-sms-marketing");
    assert.equal(
      jurisdictionRuleFor(undefined, "email", "marketing")?.requires,
      "consent_or_soft_opt_in",
    );
    assert.equal(jurisdictionRuleFor(undefined, "sms", "service"), undefined);
    assert.equal(jurisdictionRuleFor(undefined, "push", "marketing"), undefined);
  });

  test("no rule for service purposes, other channels or unknown regions", () => {
    assert.equal(jurisdictionRuleFor("US", "sms", "service"), undefined);
    assert.equal(jurisdictionRuleFor("US", "email", "marketing"), undefined);
    assert.equal(jurisdictionRuleFor("DE", "push", "marketing"), undefined);
    assert.equal(jurisdictionRuleFor("BR", "sms", "marketing"), undefined);
  });
});

describe("regionOf", () => {
  test("folds countries into the regions the rules name", () => {
    assert.equal(regionOf("DE"), "EU");
    assert.equal(regionOf("NO"), "EU");
    assert.equal(regionOf("GB"), "UK");
    assert.equal(regionOf("US-CA"), "US");
    assert.equal(regionOf("US"), "US");
    assert.equal(regionOf("EU"), "EU");
    assert.equal(regionOf("BR"), "BR");
  });
});

describe("isCanonicalJurisdiction", () => {
  test("takes assigned ISO codes, USPS state codes and EU, EEA, UK, written exactly", () => {
    const canonical = ["NL", "GB", "US", "BR", "US-CA", "US-DC", "US-PR", "US-MP", "EU", "EEA"];
    for (const code of [...canonical, "UK"]) {
      assert.equal(isCanonicalJurisdiction(code), true, code);
    }
  });

  test("refuses loose spellings, unassigned codes and codes ICU knows beyond ISO 3166-1", () => {
    const loose = ["US-ZZ", "US-XX", "USA", "us_ca", " nl ", "nl", "US_CA", "US-", "eu", "Eea"];
    for (const code of [...loose, "", "XX", "ZZ", "XK", "YU", "SU", "UN", "EZ", "QO", "XA"]) {
      assert.equal(isCanonicalJurisdiction(code), false, code);
    }
  });

  test("every canonical code is one regionOf places", () => {
    for (const code of ["NL", "GB", "US-WY", "EEA", "UK", "AQ"]) {
      assert.notEqual(regionOf(code), undefined, code);
    }
  });
});

describe("suppression rules table", () => {
  test("covers every suppression reason", () => {
    assert.deepEqual(Object.keys(SUPPRESSION_RULES).sort(), [...SUPPRESSION_REASONS].sort());
  });
});

describe("jurisdictions that cannot be read fail closed", () => {
  test("codes are read whatever their case or separator", () => {
    assert.equal(regionOf("de"), "EU");
    assert.equal(regionOf(" gb "), "UK");
    assert.equal(regionOf("us_ny"), "US");
    assert.equal(regionOf("USA"), "US");
    assert.equal(regionOf("br"), "BR");
  });

  test("an unassigned or garbled code is unknown, so the strictest rule applies", () => {
    for (const code of ["", "XX", "ZZ", "U.S.", "Narnia"]) {
      assert.equal(regionOf(code), undefined, code);
      assert.equal(jurisdictionRuleFor(code, "sms", "marketing")?.id, "us-sms-marketing", code);
    }
  });
});
