import { z } from "zod";

/**
 * Subject ids are kept readable: the decision log, pacing and audits are keyed by them, and they
 * appear in log lines under `subjectId`. So they must be pseudonymous (a customer number, a
 * UUID), never an e-mail address, and an id shaped like one is refused wherever a subject id
 * enters: event bodies, Segment `userId`, CloudEvents `subject`, path parameters and replay files.
 *
 * The shape, kept simple on purpose: a character, `@`, a domain with a dot, and a top-level label
 * of two or more letters, anywhere in the id (`jan@example.org`, `crm:jan@example.org`). Digit-only
 * customer numbers and ids such as `user@tenant` or `c-1001@v2.1` pass.
 */
const EMAIL_SHAPE = /[^\s@]@[^\s@]+\.[A-Za-z]{2,}/;

/** What a refused subject id was expected to be, for the field problem. */
export const SUBJECT_ID_EXPECTED = "a pseudonymous id, not an e-mail address";

/**
 * Whether `id` holds something shaped like an e-mail address.
 *
 * @example
 * isEmailShaped("jan.jansen@example.org") // true
 * isEmailShaped("100234") // false
 */
export function isEmailShaped(id: string): boolean {
  return EMAIL_SHAPE.test(id);
}

/** A subject id as clients send it: 1 to 200 characters, pseudonymous. */
export const SubjectId = z
  .string()
  .min(1)
  .max(200)
  .refine((id) => !isEmailShaped(id), { error: SUBJECT_ID_EXPECTED })
  .describe("a pseudonymous id (a customer number, a UUID), never an e-mail address");
export type SubjectId = z.infer<typeof SubjectId>;
