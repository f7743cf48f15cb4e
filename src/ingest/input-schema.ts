import { z } from "zod";
import { isCanonicalJurisdiction, JURISDICTION_EXPECTED } from "../consent/jurisdiction-rules.ts";
import { CHANNELS } from "../engine/types.ts";
import { SubjectId } from "./subject-id.ts";

/**
 * What clients send. One schema per input is the single source: request validation, the
 * TypeScript type and (later) OpenAPI all come from it. Instants are ISO 8601 with a zone.
 */

const Instant = z.iso.datetime({ offset: true });
const Id = z.string().min(1).max(200);

/** A native Assent event, as sent to `POST /v1/events`. */
export const EventInput = z.strictObject({
  id: Id.describe("the dedup key: a re-sent event with the same id is ignored"),
  type: z.string().min(1).max(100).describe("declared in the catalog's events"),
  schemaVersion: z.int().min(1).default(1),
  subjectId: SubjectId,
  occurredAt: Instant,
  source: z.string().min(1).max(100).describe("the system of record, e.g. crm, billing"),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type EventInput = z.infer<typeof EventInput>;

/** A batch: at most 1,000 events. */
export const EventBatch = z.strictObject({ events: z.array(EventInput).min(1).max(1000) });
export type EventBatch = z.infer<typeof EventBatch>;

/** A consent ledger record, as sent to `POST /v1/subjects/:subjectId/consent`. */
export const ConsentInput = z.strictObject({
  id: Id.optional().describe("generated when absent"),
  purpose: z.string().min(1).max(100),
  channel: z.enum([...CHANNELS, "*"]),
  kind: z.enum(["grant", "pending", "withdrawal", "objection", "soft_opt_in"]),
  capturedAt: Instant,
  expiresAt: Instant.optional(),
  express: z.boolean().optional(),
  jurisdiction: z
    .string()
    .refine(isCanonicalJurisdiction, { error: JURISDICTION_EXPECTED })
    .optional()
    .describe(
      "where the consent was captured, written as contact.updated takes it (NL, US-CA, EU)",
    ),
  source: z.string().min(1).max(100),
  evidence: z.string().min(1).max(200).describe("an opaque reference, never personal data"),
});
export type ConsentInput = z.infer<typeof ConsentInput>;
