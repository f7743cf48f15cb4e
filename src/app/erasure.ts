import type { Instant } from "../engine/types.ts";
import type { Store, SubjectTx } from "../store/store.ts";
import type { ErasureReport } from "./assent-app.ts";
import { cancelAll, erasedRefusal } from "./in-flight.ts";
import type { RecorderDeps } from "./recorder.ts";

/**
 * Erasure by crypto-shredding (GDPR Art. 17), in one transaction that holds the subject's lock:
 * pending work is cancelled (and each cancellation logged, sealed like every log record), the
 * subject's pending timers are cancelled (no decision exists for them yet), then the store
 * destroys the subject's key, deletes their data and writes the tombstone. See
 * `AssentApp.eraseSubject` and docs/erasure.md.
 */
export async function eraseSubject(
  store: Store,
  deps: RecorderDeps,
  subjectId: string,
  at: Instant,
): Promise<ErasureReport> {
  return store.withSubject(subjectId, async (tx) => {
    const before = await tx.erasedAt();
    if (before !== undefined) {
      const none = { events: 0, attributes: 0, consentEvidence: 0 };
      const cancelled = { deferrals: 0, reviews: 0, deliveries: 0, timers: 0 };
      return { subjectId, erasedAt: before, alreadyErased: true, deleted: none, cancelled };
    }
    const work = await cancelAll(tx, deps, at, erasedRefusal(at));
    const cancelled = { ...work.counts, timers: await cancelTimers(tx, at) };
    const deleted = await tx.erase(at);
    return { subjectId, erasedAt: at, alreadyErased: false, deleted, cancelled };
  });
}

/**
 * Cancels every pending timer of the subject as of `at`, so that none fires for an erased
 * subject, none is listed and none counts as pending; how many were cancelled.
 */
async function cancelTimers(tx: SubjectTx, at: Instant): Promise<number> {
  let count = 0;
  for (const timer of await tx.pendingTimers()) {
    if (await tx.settleTimer(timer.timerId, "cancelled", at)) count += 1;
  }
  return count;
}
