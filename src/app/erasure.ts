import type { Instant } from "../engine/types.ts";
import type { Store } from "../store/store.ts";
import type { ErasureReport } from "./assent-app.ts";
import type { RecorderDeps } from "./recorder.ts";

/** Erasure by crypto-shredding (GDPR Art. 17): see `AssentApp.eraseSubject`. */
export async function eraseSubject(
  _store: Store,
  _deps: RecorderDeps,
  _subjectId: string,
  _at: Instant,
): Promise<ErasureReport> {
  throw new Error("erasure is being built (issue #6)");
}
