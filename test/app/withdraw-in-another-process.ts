/**
 * Run as its own process by dry-run.test.ts: records a withdrawal for a subject in the SQLite
 * file given, through the app, then exits. Arguments: the database path and the subject id.
 */
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { appOn, consent, HOUR, NOW } from "./support.ts";

const [path, subjectId] = process.argv.slice(2);
if (path === undefined || subjectId === undefined) throw new Error("usage: DB_PATH SUBJECT_ID");
const store = await openSqliteStore({ path, now: () => NOW });
try {
  await appOn(store, { now: NOW }).recordConsent(subjectId, consent("withdrawal", NOW - HOUR));
} finally {
  await store.close();
}
