import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { postgresHarness } from "../contract/postgres-support.ts";
import { appOn, at, CLAIM_NODE, claimOpened } from "./timers-support.ts";

/**
 * Timers survive the service: stopped for a period that holds due timers, the service fires each
 * once when it starts again, and each decision records how late it fired. On PostgreSQL, two
 * service processes (two stores with pools of their own, two schedulers) fire each of 1,000
 * timers due in the same second exactly once.
 */

const root = mkdtempSync(join(tmpdir(), "assent-timers-"));
const pg = postgresHarness();
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await pg.dropAll();
});

interface Kind {
  readonly label: string;
  readonly open: () => Promise<Store>;
  readonly reopen: (store: Store) => Promise<Store>;
}

const KINDS: readonly Kind[] = [
  {
    label: "sqlite",
    open: () => openSqliteStore({ path: join(root, `${randomUUID()}.db`) }),
    reopen: (store) => openSqliteStore({ path: store.location }),
  },
  { label: "postgres", open: () => pg.open(), reopen: (store) => pg.reopen(store) },
];

const HOUR = 3_600_000;

for (const kind of KINDS) {
  describe(`stop and start with due timers (${kind.label})`, () => {
    test("each timer due while the service was down fires once on start, its lateness recorded", async () => {
      const first = await kind.open();
      const clock = { now: at("2025-03-03T10:00:05Z") };
      const subjects = ["s-a", "s-b", "s-c"];
      await appOn(first, clock).ingest(
        subjects.map((subject, index) => claimOpened(subject, `2025-03-03T10:0${index}:00Z`)),
      );
      const stats = await first.timerStats(at("2025-03-06T12:00:00Z"));
      assert.deepEqual(stats, { pending: 3, oldestDueAt: at("2025-03-06T10:00:00Z") });
      await first.close(); // down from before the timers were due until 15:00

      const second = await kind.reopen(first);
      try {
        clock.now = at("2025-03-06T15:00:00Z");
        const app = appOn(second, clock);
        const tick = await app.tick(clock.now);
        assert.equal(tick.timers, 3);
        assert.equal((await app.tick(clock.now + HOUR)).timers, 0, "once");
        for (const [index, subject] of subjects.entries()) {
          const fired = (await app.decisionsOf(subject, 10))
            .map((stored) => stored.decision)
            .filter((decision) => decision.nodeId === CLAIM_NODE);
          assert.equal(fired.length, 1, subject);
          const late = 5 * HOUR - index * 60_000;
          assert.equal(fired[0]?.timer?.firedLateByMs, late);
          // A late firing decides as of the instant it fired, so that anything since counts.
          assert.equal(fired[0]?.decidedAt, clock.now);
          assert.match(fired[0]?.steps[0]?.detail ?? "", /, fired [0-9.]+ h late/);
        }
        assert.deepEqual(await second.timerStats(clock.now), {
          pending: 0,
          oldestDueAt: undefined,
        });
      } finally {
        await second.close();
      }
    });
  });
}

describe("two service processes on one PostgreSQL database", () => {
  test("1,000 timers due in the same second fire each exactly once", async () => {
    const one = await pg.open();
    const two = await pg.reopen(one);
    try {
      const clock = { now: at("2025-03-03T10:00:02Z") };
      const events = Array.from({ length: 1000 }, (_, index) =>
        claimOpened(`p-${index}`, `2025-03-03T10:00:00.${String(index).padStart(3, "0")}Z`),
      );
      await appOn(one, clock).ingest(events);
      assert.equal((await one.timerStats(at("2025-03-07T00:00:00Z"))).pending, 1000);

      const now = at("2025-03-06T10:00:01Z");
      const [a, b] = await Promise.all([
        appOn(one, { now }).tick(now),
        appOn(two, { now }).tick(now),
      ]);
      assert.equal(a.timers + b.timers, 1000);
      assert.ok(a.timers > 0 && b.timers > 0, `${a.timers} and ${b.timers}: both took part`);

      const bodies = await pg.raw(one, "SELECT body FROM decision_log");
      const timerIds = bodies.rows
        .map((row: { body: string }) => JSON.parse(row.body))
        .map((body) => body.decision?.timer?.timerId ?? body.timer?.timerId)
        .filter((id) => id !== undefined);
      assert.equal(timerIds.length, 1000, "one decision per firing");
      assert.equal(new Set(timerIds).size, 1000, "no timer fired twice");
      const fired = await pg.raw(
        one,
        "SELECT count(*)::int AS n FROM timers WHERE status = 'fired'",
      );
      assert.equal(fired.rows[0]?.n, 1000);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
