/**
 * Failures a store reports on purpose, shared by every store so that callers can tell them apart
 * from faults. Messages never carry personal data: ids of subjects, events or records stay out.
 */
export const STORE_ERROR_CODES = {
  schema_too_new: "the database was migrated by a newer build",
  review_not_pending: "the review is unknown or already settled",
  delivery_not_found: "no delivery has this id",
  outside_transaction: "the record concerns a subject the transaction does not hold",
  transaction_closed: "the transaction has already committed or rolled back",
  store_closed: "the store is closed",
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

/**
 * An expected store failure with a stable code.
 *
 * @example if (error instanceof StoreError && error.code === "review_not_pending") reply(409)
 */
export class StoreError extends Error {
  override readonly name = "StoreError";

  constructor(
    readonly code: StoreErrorCode,
    message: string = STORE_ERROR_CODES[code],
  ) {
    super(message);
  }
}
