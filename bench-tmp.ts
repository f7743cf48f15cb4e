import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "/work/main/src/store/sqlite/sqlite-store.ts";
import { event } from "/work/main/test/contract/contract-fixtures.ts";

const store = await openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), "b-")), "a.db") });
const N = 100_000, G = 500;
const subjects = Array.from({ length: 5000 }, (_, i) => `sub-${i}`);
const events = Array.from({ length: N }, (_, i) => event(subjects[i % subjects.length]!, { id: `e-${i}`, occurredAt: i }));
const t = performance.now();
for (let i = 0; i < N; i += G) {
  const group = events.slice(i, i + G);
  const ids = [...new Set(group.map((e) => e.subjectId))];
  await store.withSubjects(ids, async (tx) => {
    for (const e of group) {
      const s = tx.subject(e.subjectId);
      if ((await s.insertEvent(e)) === "inserted") await s.applyAttributes(e, { "claim.status": "open", "claim.amount": i });
    }
  });
}
const ms = performance.now() - t;
console.log(`${N} events (insert + 2 attributes) in ${ms.toFixed(0)} ms: ${Math.round(N / ms * 1000)}/s`);
await store.close();
