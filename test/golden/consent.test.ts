/**
 * Runs the golden cases of test/golden/consent.json through checkPermission, one test per
 * case. The file is language-neutral: instants are ISO strings, converted here.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { checkPermission, type PermissionRequest } from "../../src/consent/permission.ts";
import type {
  Channel,
  ConsentKind,
  ConsentRecord,
  ConsentView,
  ContactPoint,
  GpcMark,
  LawfulBasis,
  Purpose,
  PurposeKind,
  SuppressionReason,
  SuppressionRecord,
} from "../../src/engine/types.ts";

interface GoldenRecord {
  id: string;
  purpose: string;
  channel: Channel | "*";
  kind: ConsentKind;
  capturedAt: string;
  expiresAt?: string;
  express?: boolean;
  jurisdiction?: string;
  subjectId?: string;
  source?: string;
  evidence?: string;
}

interface GoldenSuppression {
  id: string;
  subjectId?: string;
  reason: SuppressionReason;
  channel: Channel | "*";
  since: string;
  liftedAt?: string;
}

interface GoldenCase {
  name: string;
  view: {
    subjectId?: string;
    records: GoldenRecord[];
    suppressions: GoldenSuppression[];
    gpcSince?: string;
    contacts: Partial<Record<Channel, ContactPoint>>;
  };
  request: { purpose: string; basis: LawfulBasis; channel: Channel; at: string };
  expect: { ok: boolean; reason?: string; evidence?: string[] };
}

interface GoldenFile {
  version: number;
  purposes: Record<string, { kind: PurposeKind; marks: GpcMark[]; description: string }>;
  cases: GoldenCase[];
}

const golden = JSON.parse(
  readFileSync(new URL("./consent.json", import.meta.url), "utf8"),
) as GoldenFile;

function instant(iso: string): number {
  const ms = Date.parse(iso);
  assert.ok(Number.isFinite(ms), `not an ISO instant: ${iso}`);
  return ms;
}

function optionalInstant(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : instant(iso);
}

function toRecord(raw: GoldenRecord, subjectId: string): ConsentRecord {
  return {
    ...raw,
    subjectId: raw.subjectId ?? subjectId,
    source: raw.source ?? "golden",
    evidence: raw.evidence ?? `form:${raw.id}`,
    capturedAt: instant(raw.capturedAt),
    expiresAt: optionalInstant(raw.expiresAt),
  };
}

function toSuppression(raw: GoldenSuppression, subjectId: string): SuppressionRecord {
  const { since, liftedAt } = raw;
  return { subjectId, ...raw, since: instant(since), liftedAt: optionalInstant(liftedAt) };
}

function toView(raw: GoldenCase["view"]): ConsentView {
  const subjectId = raw.subjectId ?? "subject-1";
  return {
    subjectId,
    records: raw.records.map((record) => toRecord(record, subjectId)),
    suppressions: raw.suppressions.map((suppression) => toSuppression(suppression, subjectId)),
    gpcSince: optionalInstant(raw.gpcSince),
    contacts: raw.contacts,
  };
}

function toPurpose(id: string): Purpose {
  const declared = golden.purposes[id];
  assert.ok(declared !== undefined, `purpose ${id} is not in the purposes table`);
  return { id, ...declared };
}

function toRequest(raw: GoldenCase["request"]): PermissionRequest {
  return { ...raw, purpose: toPurpose(raw.purpose), at: instant(raw.at) };
}

test("consent golden file: version 1, at least 40 cases, unique names", () => {
  assert.equal(golden.version, 1);
  assert.ok(golden.cases.length >= 40);
  assert.equal(new Set(golden.cases.map((c) => c.name)).size, golden.cases.length);
});

for (const goldenCase of golden.cases) {
  test(goldenCase.name, () => {
    const result = checkPermission(toView(goldenCase.view), toRequest(goldenCase.request));
    const { expect } = goldenCase;

    assert.equal(result.ok, expect.ok, result.detail);
    if (!result.ok) assert.equal(result.reason, expect.reason, result.detail);
    if (expect.evidence !== undefined) assert.deepEqual(result.evidence, expect.evidence);
    assert.ok(result.detail.length > 0);
  });
}
