import { AppError } from "../app/errors.ts";
import { isEmailShaped, SUBJECT_ID_EXPECTED } from "../ingest/subject-id.ts";

/**
 * The subject id a command was given, refused as the API refuses it when it is shaped like an
 * e-mail address. The id is not repeated: it is the personal data the rule keeps out.
 *
 * @example pseudonymousSubject("c-1001") // "c-1001"
 */
export function pseudonymousSubject(subjectId: string): string {
  if (!isEmailShaped(subjectId)) return subjectId;
  throw new AppError("invalid_request", "the subject id looks like an e-mail address", [
    { pointer: "<subjectId>", expected: SUBJECT_ID_EXPECTED },
  ]);
}
