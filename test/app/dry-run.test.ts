import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import type { App } from "../../src/app/app.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import {
  appOn,
  consent,
  event,
  HOUR,
  NOW,
  postgresKind,
  type StoreKind,
  sqliteKind,
} from "./support.ts";

/**
 * A dry run (POST /v1/decide) reads the subject outside any transaction. However the store
 * serves those reads, the consent ledger is evaluated as it stands: a change committed before
 * the dry run started, by this store or by another connection to the same database, decides it.
 */

const kinds: StoreKind[] = [sqliteKind(), postgresKind()];
after(() => Promise.all(kinds.map((kind) => kind.cleanUp())));

const LEAD = { "contact.name": "Ada Lovelace" };

async function granted(app: App, subjectId: string): Promise<void> {
  await app.recordConsent(subjectId, consent("grant", NOW - 24 * HOUR));
  await app.ingest([event(`${subjectId}-lead`, "lead.captured", subjectId, LEAD, NOW - 3000)]);
}

async function dryRunOutcome(app: App, subjectId: string, id: string) {
  const data = { "offer.value": 5 };
  const [decision] = await app.dryRun(event(id, "offer.now", subjectId, data, NOW));
  return [decision?.outcome, decision?.reason];
}

for (const kind of kinds) {
  describe(`dry runs read the subject as it stands (${kind.label})`, () => {
    test("a withdrawal between two dry runs of the same subject suppresses the second", async () => {
      const { store } = await kind.open();
      try {
        const app = appOn(store, { now: NOW });
        await granted(app, "s-1");
        assert.deepEqual(await dryRunOutcome(app, "s-1", "e-1"), ["act", "eligible"]);
        assert.deepEqual(await dryRunOutcome(app, "s-1", "e-2"), ["act", "eligible"]);

        await app.recordConsent("s-1", consent("withdrawal", NOW - HOUR));
        assert.deepEqual(await dryRunOutcome(app, "s-1", "e-3"), ["suppress", "consent_withdrawn"]);
      } finally {
        await store.close();
      }
    });

    test("an erasure between two dry runs suppresses the second and reads no profile", async () => {
      const { store } = await kind.open();
      try {
        const app = appOn(store, { now: NOW });
        await granted(app, "s-2");
        assert.deepEqual(await dryRunOutcome(app, "s-2", "e-1"), ["act", "eligible"]);

        await app.eraseSubject("s-2", NOW - HOUR);
        const [, reason] = await dryRunOutcome(app, "s-2", "e-2");
        assert.equal(reason, "subject_erased");
        assert.equal((await store.profile("s-2")).size, 0);
      } finally {
        await store.close();
      }
    });
  });
}

test("a withdrawal committed by another connection to the SQLite file suppresses the next dry run", async () => {
  const kind = sqliteKind();
  const { store, where } = await kind.open();
  const other = await openSqliteStore({ path: where, now: () => NOW });
  try {
    const app = appOn(store, { now: NOW });
    await granted(app, "s-3");
    assert.deepEqual(await dryRunOutcome(app, "s-3", "e-1"), ["act", "eligible"]);

    await appOn(other, { now: NOW }).recordConsent("s-3", consent("withdrawal", NOW - HOUR));
    assert.deepEqual(await dryRunOutcome(app, "s-3", "e-2"), ["suppress", "consent_withdrawn"]);
  } finally {
    await other.close();
    await store.close();
    await kind.cleanUp();
  }
});

test("a withdrawal committed by another process suppresses the next dry run", async () => {
  const kind = sqliteKind();
  const { store, where } = await kind.open();
  try {
    const app = appOn(store, { now: NOW });
    await granted(app, "s-4");
    assert.deepEqual(await dryRunOutcome(app, "s-4", "e-1"), ["act", "eligible"]);

    const script = new URL("./withdraw-in-another-process.ts", import.meta.url).pathname;
    await promisify(execFile)(process.execPath, ["--import", "tsx", script, where, "s-4"]);
    assert.deepEqual(await dryRunOutcome(app, "s-4", "e-2"), ["suppress", "consent_withdrawn"]);
  } finally {
    await store.close();
    await kind.cleanUp();
  }
});

test("a commit forgets only the subjects it touched: another subject's reads stay remembered", async () => {
  const kind = sqliteKind();
  const { store } = await kind.open();
  try {
    const app = appOn(store, { now: NOW });
    await granted(app, "s-5");
    await granted(app, "s-6");
    const before = await store.profile("s-5");
    assert.equal(await store.profile("s-5"), before, "read twice, opened once");

    await app.recordConsent("s-6", consent("withdrawal", NOW - HOUR));
    assert.equal(await store.profile("s-5"), before, "s-6's commit leaves s-5 remembered");
    assert.deepEqual(await dryRunOutcome(app, "s-5", "e-1"), ["act", "eligible"]);
    assert.deepEqual(await dryRunOutcome(app, "s-6", "e-2"), ["suppress", "consent_withdrawn"]);

    await app.ingest([event("s-5-more", "lead.captured", "s-5", { "contact.name": "Ada" }, NOW)]);
    const after = await store.profile("s-5");
    assert.notEqual(after, before, "s-5's own commit makes it read afresh");
    assert.equal(after.get("contact.name")?.eventId, "s-5-more");
  } finally {
    await store.close();
    await kind.cleanUp();
  }
});

test("a commit by another store of this process forgets every subject at once", async () => {
  const kind = sqliteKind();
  const { store, where } = await kind.open();
  const other = await openSqliteStore({ path: where, now: () => NOW });
  try {
    const app = appOn(store, { now: NOW });
    await granted(app, "s-7");
    const before = await store.profile("s-7");
    await appOn(other, { now: NOW }).recordConsent("s-8", consent("grant", NOW - HOUR));
    assert.notEqual(await store.profile("s-7"), before);
  } finally {
    await other.close();
    await store.close();
    await kind.cleanUp();
  }
});
