import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { AppError } from "../../src/app/errors.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openStore } from "../../src/store/open-store.ts";

/** The application layer refuses what would be stored wrongly or silently do nothing. */

const deployment = loadDeploymentFromDir("examples");
const NOW = Date.parse("2025-06-02T12:00:00Z");

async function withApp(run: (app: ReturnType<typeof createApp>) => Promise<void>) {
  const store = await openStore(join(mkdtempSync(join(tmpdir(), "assent-app-")), "a.db"));
  const app = createApp({ store, deployment, clock: () => NOW });
  try {
    await run(app);
  } finally {
    await app.close();
  }
}

function fieldsOf(error: unknown): string[] {
  assert.ok(error instanceof AppError, String(error));
  return error.fields.map((field) => field.pointer);
}

const consent = {
  purpose: "marketing.campaigns",
  channel: "email" as const,
  kind: "withdrawal" as const,
  capturedAt: "2025-06-02T11:00:00Z",
  source: "preference-centre",
  evidence: "form-1",
};

const signal = {
  id: "sig-1",
  type: "contact.updated",
  schemaVersion: 1,
  subjectId: "s-1",
  occurredAt: "2025-06-02T11:00:00Z",
  source: "crm",
  data: { channel: "email", jurisdiction: "NL" },
};

describe("the application refuses input it would store wrongly", () => {
  test("a consent record for a purpose the catalog does not declare is refused", () =>
    withApp(async (app) => {
      const misspelt = { ...consent, purpose: "marketing.campaign" };
      await assert.rejects(app.recordConsent("s-1", misspelt), (error) => {
        assert.deepEqual(fieldsOf(error), ["/purpose"]);
        return true;
      });
      assert.equal((await app.consent("s-1")).records.length, 0);
    }));

  test("a consent signal with fields it does not declare is refused, and nothing is stored", () =>
    withApp(async (app) => {
      const leaky = { ...signal, data: { ...signal.data, email: "someone@example.com" } };
      await assert.rejects(app.ingest([leaky]), (error) => {
        assert.deepEqual(fieldsOf(error), ["/events/0/data/email"]);
        return true;
      });
      assert.deepEqual((await app.consent("s-1")).contacts, {});
    }));

  test("a consent signal with another schema version is refused", () =>
    withApp(async (app) => {
      await assert.rejects(app.ingest([{ ...signal, schemaVersion: 3 }]), (error) => {
        assert.deepEqual(fieldsOf(error), ["/events/0/schemaVersion"]);
        return true;
      });
    }));
});

describe("opening a store", () => {
  test("a read-only command does not create a database at a wrong path", async () => {
    const missing = join(tmpdir(), "assent-missing", "nope.db");
    await assert.rejects(openStore(missing, { mustExist: true }), /no database at/);
  });

  test("an unknown URL scheme is refused rather than taken for a file name", async () => {
    await assert.rejects(openStore("mysql://x/y"), /SQLite file path or a postgres/);
  });
});
