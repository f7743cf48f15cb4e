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
 * Erasure cancels the subject's pending timers in its own transaction, on both stores: an erased
 * subject's day-3 timer is no longer listed, no longer counts as pending and never fires, while
 * another subject's timer fires as before.
 */

const root = mkdtempSync(join(tmpdir(), "assent-timers-erasure-"));
const pg = postgresHarness();
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await pg.dropAll();
});

const KINDS: readonly { readonly label: string; readonly open: () => Promise<Store> }[] = [
  { label: "sqlite", open: () => openSqliteStore({ path: join(root, `${randomUUID()}.db`) }) },
  { label: "postgres", open: () => pg.open() },
];

for (const kind of KINDS) {
  describe(`erasure and pending timers (${kind.label})`, () => {
    test("erasing a subject cancels their pending timer, which never fires; others' still do", async () => {
      const store = await kind.open();
      try {
        const clock = { now: at("2025-03-03T10:00:05Z") };
        const app = appOn(store, clock);
        await app.ingest([
          claimOpened("s-erased", "2025-03-03T10:00:00Z"),
          claimOpened("s-kept", "2025-03-03T10:00:01Z"),
        ]);
        const [timer] = await app.timersOf("s-erased");
        assert.equal(timer?.dueAt, at("2025-03-06T10:00:00Z"));

        clock.now = at("2025-03-04T12:00:00Z");
        const report = await app.eraseSubject("s-erased", clock.now);
        assert.deepEqual(report.cancelled, { deferrals: 0, reviews: 0, deliveries: 0, timers: 1 });
        assert.deepEqual(await app.timersOf("s-erased"), []);
        const stats = await store.timerStats(at("2025-03-07T00:00:00Z"));
        assert.deepEqual(stats, { pending: 1, oldestDueAt: at("2025-03-06T10:00:01Z") });

        const again = await app.eraseSubject("s-erased", clock.now + 1);
        assert.deepEqual(again.cancelled, { deferrals: 0, reviews: 0, deliveries: 0, timers: 0 });

        clock.now = at("2025-03-06T10:00:02Z");
        const tick = await app.tick(clock.now);
        assert.equal(tick.timers, 1, "only the kept subject's timer fires");
        assert.deepEqual(
          tick.decisions.map((decision) => decision.nodeId),
          [CLAIM_NODE],
        );
        const erasedFirings = (await app.decisionsOf("s-erased", 20)).filter(
          (stored) => stored.decision.timer !== undefined,
        );
        assert.deepEqual(erasedFirings, []);
        assert.equal((await store.timerStats(clock.now)).pending, 0);
      } finally {
        await store.close();
      }
    });
  });
}
