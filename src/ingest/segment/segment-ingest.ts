/**
 * Ingesting Segment calls: map them through the catalog, ingest the events all or nothing, and
 * answer per call. A problem in any call stores nothing, and names the call's own field
 * (`/batch/3/properties/score`), not the event it would have become.
 */

import type { DecisionSummary, IngestOutcome } from "../../app/assent-app.ts";
import { AppError, type FieldProblem, wrongFields } from "../../app/errors.ts";
import type { EventContentField } from "../event-conflict.ts";
import type { EventInput } from "../input-schema.ts";
import {
  callProblems,
  type MappingCatalog,
  mapSegmentCalls,
  type SegmentPlan,
  type SegmentRequest,
} from "./segment-mapping.ts";
import type { SegmentCall } from "./segment-schema.ts";

export type { SegmentRequest } from "./segment-mapping.ts";

/** The app's check of events against the catalog, which stores nothing (`AssentApp.validate`). */
export type Check = (
  events: readonly EventInput[],
  pointerBase: (index: number) => string,
) => Promise<readonly FieldProblem[]>;

/** How the calls of one request are read and whether they are only checked. */
export interface SegmentIngestRequest extends SegmentRequest {
  /**
   * When given, the calls are checked with it and never ingested: their problems are thrown at
   * the calls' fields as an ingest's would be, and each call that maps to an event is answered
   * `accepted` without decisions. A transport that found malformed calls of its own checks the
   * well-formed ones so, to list every problem of the request in one answer.
   */
  readonly validateOnly?: Check;
}

/** A request as the transport sees it; the app adds the instant of receipt from its clock. */
export type SegmentReceipt = Omit<SegmentIngestRequest, "receivedAt">;

/** What became of one call, in the order of the request. */
export interface SegmentOutcome {
  readonly messageId: string;
  /**
   * `ignored`: the call maps to no event (see `reason`); its signals were still recorded.
   * `conflict`: its messageId was stored before with other content, named in `conflicting`.
   */
  readonly status: IngestOutcome["status"] | "ignored";
  readonly reason?: string;
  readonly conflicting?: readonly EventContentField[];
  /** The consent signals the call carried and that were recorded (`gpc.signal`, `tcf.signal`). */
  readonly signals?: readonly string[];
  readonly decisions: readonly DecisionSummary[];
}

/** The app's all-or-nothing ingest of validated events. */
export type Ingest = (
  events: readonly EventInput[],
  pointerBase: (index: number) => string,
) => Promise<IngestOutcome[]>;

/**
 * Maps and ingests `calls` in one all-or-nothing step.
 *
 * @example
 * await ingestSegmentCalls(batch.batch, catalog, { gpc: false, receivedAt, base: (i) => `/batch/${i}` }, ingest)
 * // → [{ messageId: "m-1", status: "accepted", decisions: [...] }]
 */
export async function ingestSegmentCalls(
  calls: readonly SegmentCall[],
  catalog: MappingCatalog,
  request: SegmentIngestRequest,
  ingest: Ingest,
): Promise<SegmentOutcome[]> {
  const plan = mapSegmentCalls(calls, catalog, request);
  const write = request.validateOnly === undefined ? ingest : checkOnly(request.validateOnly);
  const outcomes = plan.events.length === 0 ? [] : await ingestPlan(plan, calls.length, write);
  return plan.calls.map((call) => {
    const signals = call.signals.length > 0 ? { signals: call.signals } : {};
    const { messageId } = call;
    if (call.eventIndex === undefined) {
      return { messageId, status: "ignored", reason: call.ignored, ...signals, decisions: [] };
    }
    const outcome = outcomes[call.eventIndex];
    const status = outcome?.status ?? "accepted";
    const conflicting =
      outcome?.conflicting === undefined ? {} : { conflicting: outcome.conflicting };
    return { messageId, status, ...conflicting, ...signals, decisions: outcome?.decisions ?? [] };
  });
}

/** An ingest that only checks: it stores nothing, and throws the problems it finds. */
function checkOnly(check: Check): Ingest {
  return async (events, pointerBase) => {
    const fields = await check(events, pointerBase);
    if (fields.length === 0) return [];
    const message = `${wrongFields(fields.length, events.length)}; nothing was stored`;
    throw new AppError("invalid_event", message, fields);
  };
}

async function ingestPlan(plan: SegmentPlan, calls: number, ingest: Ingest) {
  try {
    return await ingest(plan.events, (index) => plan.bases[index] ?? "");
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const fields = callProblems(plan, error.fields);
    const message = `${wrongFields(fields.length, calls, "call")}; nothing was stored`;
    throw new AppError(error.code, message, fields);
  }
}
