import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { checkReplayFile } from "../../src/replay/durable-replay.ts";
import { auth, consentBody, onRealApp, type Problem } from "./support.ts";

/**
 * A consent record may not be captured more than MAX_CLOCK_SKEW_MS after the service received
 * it: the ledger takes the latest record by capturedAt, so a grant dated 2099 would override
 * every withdrawal captured before 2099.
 */

const deployment = loadDeploymentFromDir("examples");
const NOW = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;
const real = onRealApp("consent-time", NOW);

const isoAt = (ms: number) => new Date(ms).toISOString();

function postConsent(subjectId: string, record: Record<string, unknown>) {
  return real.server.inject({
    method: "POST",
    url: `/v1/subjects/${subjectId}/consent`,
    headers: auth("consent"),
    payload: consentBody(record),
  });
}

describe("a consent record captured after its receipt", () => {
  test("a grant captured 2099 is 422 at /capturedAt saying what is accepted; nothing stored", async () => {
    const response = await postConsent("c-5", { capturedAt: "2099-01-01T00:00:00Z" });

    assert.equal(response.statusCode, 422);
    const problem: Problem = response.json();
    assert.equal(problem.code, "invalid_consent");
    assert.equal(problem.detail, "the consent record is dated after this service received it");
    assert.deepEqual(problem.errors, [
      {
        pointer: "/capturedAt",
        detail:
          "capturedAt 2099-01-01T00:00:00.000Z is 72 years after this service received the consent record; at most 5 minutes ahead is accepted (clock skew)",
      },
    ]);
    assert.deepEqual((await real.store.consentView("c-5")).records, []);
  });

  test("a future-dated grant cannot override a withdrawal captured before its date", async () => {
    const withdrawal = await postConsent("c-6", {
      kind: "withdrawal",
      capturedAt: isoAt(NOW - MINUTE),
    });
    const grant = await postConsent("c-6", { capturedAt: "2099-01-01T00:00:00Z" });

    assert.equal(withdrawal.statusCode, 201);
    assert.equal(grant.statusCode, 422);
    const kinds = (await real.store.consentView("c-6")).records.map((record) => record.kind);
    assert.deepEqual(kinds, ["withdrawal"]);
  });

  test("a record captured 4 minutes ahead of the service's clock is accepted (clock skew)", async () => {
    const response = await postConsent("c-7", { capturedAt: isoAt(NOW + 4 * MINUTE) });

    assert.equal(response.statusCode, 201);
    assert.equal(response.json().capturedAt, isoAt(NOW + 4 * MINUTE));
  });

  test("a record captured 6 minutes ahead is refused at /capturedAt", async () => {
    const response = await postConsent("c-8", { capturedAt: isoAt(NOW + 6 * MINUTE) });

    assert.equal(response.statusCode, 422);
    assert.deepEqual((response.json() as Problem).errors, [
      {
        pointer: "/capturedAt",
        detail:
          "capturedAt 2026-03-02T09:06:00.000Z is 6 minutes after this service received the consent record; at most 5 minutes ahead is accepted (clock skew)",
      },
    ]);
  });

  test("a replay's consent line is not held to it: its capture is the only receipt it has", async () => {
    const path = join(real.root, "replay.ndjson");
    const line = {
      kind: "consent",
      subjectId: "c-9",
      record: consentBody({ capturedAt: "2099-01-01T00:00:00Z" }),
    };
    writeFileSync(path, `${JSON.stringify(line)}\n`);

    const checked = await checkReplayFile(path, deployment.catalog);

    assert.equal(checked.count, 1);
  });
});

describe("a consent record's jurisdiction", () => {
  test("is written as contact.updated takes it: `nl`, `USA`, `us_ca` are 400 at /jurisdiction, `NL` is stored", async () => {
    for (const jurisdiction of ["nl", "USA", "us_ca", "US-ZZ"]) {
      const response = await postConsent("c-j", { jurisdiction, capturedAt: isoAt(NOW) });
      assert.equal(response.statusCode, 400, jurisdiction);
      const problem: Problem = response.json();
      assert.deepEqual(problem.errors, [
        {
          pointer: "/jurisdiction",
          detail:
            "an ISO 3166-1 alpha-2 country code such as DE, US or GB, a US state such as US-CA, or a region: EU, EEA or UK",
        },
      ]);
    }
    assert.deepEqual((await real.store.consentView("c-j")).records, []);

    const stored = await postConsent("c-j", { jurisdiction: "NL", capturedAt: isoAt(NOW) });
    assert.equal(stored.statusCode, 201);
    const records = (await real.store.consentView("c-j")).records;
    assert.deepEqual(
      records.map((record) => record.jurisdiction),
      ["NL"],
    );
  });
});
