import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { verifyLog } from "../../src/decision-log/verify.ts";
import { MAX_CLOCK_SKEW_MS } from "../../src/ingest/event-validation.ts";
import { TEST_URL } from "../contract/postgres-support.ts";
import {
  appOn,
  consent,
  event,
  HOUR,
  NOW,
  postgresKind,
  type StoreUnderTest,
  sqliteKind,
} from "./support.ts";

/**
 * Issue 6, point 5 (acceptance): after erasing a subject whose events carried an e-mail address,
 * a phone number and a name, none of those strings is in the SQLite file and its WAL (after a
 * checkpoint) nor in a pg_dump of the PostgreSQL schema; the decision log still verifies; a new
 * event for the subject is suppressed by the tombstone. The strings are not there before the
 * erasure either: they are sealed at rest.
 */

const sqlite = sqliteKind();
const postgres = postgresKind();
after(() => Promise.all([sqlite.cleanUp(), postgres.cleanUp()]));

const EMAIL = "ada.lovelace@analytical-engine.example";
const PHONE = "+44 20 7946 0958";
const NAME = "Ada Augusta Lovelace";
/** In the consent evidence: a personal field of consent evidence. */
const EVIDENCE = "signup form, typed by Ada Augusta Lovelace";
const PERSONAL = [EMAIL, PHONE, NAME, EVIDENCE];

/** What is in the store's raw bytes: the SQLite file and WAL after a checkpoint, or a pg_dump. */
type RawBytes = (under: StoreUnderTest) => Promise<Buffer>;

const sqliteBytes: RawBytes = async ({ where }) => {
  const raw = new Database(where);
  try {
    raw.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    raw.close();
  }
  const wal = `${where}-wal`;
  return Buffer.concat([
    readFileSync(where),
    existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0),
  ]);
};

const pgDumpBytes: RawBytes = async ({ where }) => {
  const url = new URL(TEST_URL);
  const args = ["-h", url.hostname, "-p", url.port || "5432", "-U", url.username || "root"];
  return execFileSync("pg_dump", [...args, "-n", where, url.pathname.slice(1)], {
    maxBuffer: 64 * 1024 * 1024,
  });
};

function found(bytes: Buffer, needles: readonly string[]): string[] {
  return needles.filter((needle) => bytes.includes(Buffer.from(needle, "utf8")));
}

const cases = [
  { kind: sqlite, bytes: sqliteBytes },
  { kind: postgres, bytes: pgDumpBytes },
] as const;

for (const { kind, bytes } of cases) {
  describe(`erasure by crypto-shredding (${kind.label})`, () => {
    test("the personal strings are sealed at rest, gone after erasure; the log verifies; the tombstone suppresses", async () => {
      const under = await kind.open();
      const { store } = under;
      try {
        const clock = { now: NOW };
        const app = appOn(store, clock);
        const lead = { "contact.email": EMAIL, "contact.phone": PHONE, "contact.name": NAME };
        await app.recordConsent("s-ada", consent("grant", NOW - 24 * HOUR, EVIDENCE));
        await app.ingest([event("e-lead", "lead.captured", "s-ada", lead, NOW - 3000)]);
        // A client may claim an occurredAt ahead of the clock (within the skew tolerance) and
        // after the erasure below; erasure selects by when the row was stored.
        const ahead = NOW + MAX_CLOCK_SKEW_MS - 60_000;
        await app.ingest([event("e-lead-ahead", "lead.captured", "s-ada", lead, ahead)]);
        await app.ingest([event("e-now", "offer.now", "s-ada", { "offer.value": 5 }, NOW - 2000)]);
        await app.ingest([
          event("e-quiet", "offer.quiet", "s-ada", { "offer.value": 5 }, NOW - 1000),
        ]);
        // Another subject, whose data must survive.
        await app.recordConsent("s-bob", consent("grant", NOW - 24 * HOUR));
        await app.ingest([event("e-bob", "lead.captured", "s-bob", { "contact.name": "Bob" })]);

        // Readable through the store, sealed at rest; the scan does find what is not sealed.
        assert.equal((await store.profile("s-ada")).get("contact.email")?.value, EMAIL);
        const sealed = await bytes(under);
        assert.deepEqual(found(sealed, PERSONAL), []);
        assert.deepEqual(
          found(sealed, ["lead.captured", "s-ada", "marketing.campaigns"]).length,
          3,
        );

        clock.now = NOW + 60_000;
        const report = await app.eraseSubject("s-ada", clock.now);
        assert.deepEqual(report, {
          subjectId: "s-ada",
          erasedAt: clock.now,
          alreadyErased: false,
          deleted: { events: 4, attributes: 4, consentEvidence: 1 },
          cancelled: { deferrals: 1, reviews: 0, deliveries: 1, timers: 0 },
        });

        assert.deepEqual(found(await bytes(under), PERSONAL), []);
        assert.equal((await store.profile("s-ada")).size, 0);
        assert.deepEqual(await store.eventsOf("s-ada"), []);
        const view = await store.consentView("s-ada");
        assert.equal(view.erasedAt, clock.now);
        assert.deepEqual(
          view.records.map((record) => record.evidence),
          ["(erased)"],
        );
        const earlier = await store.decisionsOf("s-ada", 50);
        assert.ok(earlier.length >= 4);
        assert.ok(earlier.every((stored) => stored.explanationErased === true));
        assert.equal(earlier.filter((s) => s.decision.reason === "subject_erased").length, 2);
        assert.equal((await store.profile("s-bob")).get("contact.name")?.value, "Bob");

        const verified = await verifyLog(store);
        assert.equal(verified.ok, true, JSON.stringify(verified.firstBreak));
        assert.equal(verified.records, earlier.length);

        clock.now = NOW + 2 * HOUR;
        const [after] = await app.ingest([
          event("e-after", "offer.now", "s-ada", { "offer.value": 5 }, clock.now),
        ]);
        assert.deepEqual(
          after?.decisions.map((d) => [d.nodeId, d.outcome, d.reason]),
          [["offer-now", "suppress", "subject_erased"]],
        );
        assert.deepEqual(await store.eventsOf("s-ada"), [], "the new event is not stored");
        assert.equal((await verifyLog(store)).ok, true);

        const again = await app.eraseSubject("s-ada", clock.now);
        assert.equal(again.alreadyErased, true);
        assert.equal(again.erasedAt, NOW + 60_000);
      } finally {
        await store.close();
      }
    });
  });
}
