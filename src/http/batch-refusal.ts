import type { z } from "zod";
import { AppError, type FieldProblem, wrongFields } from "../app/errors.ts";

/**
 * The items of a batch list that match `schema`, each with its index in the list; none when the
 * list itself is refused (`error` has an issue at `listPath`, or it is no array), since then
 * its items cannot be named.
 *
 * @example wellFormedItems(EventInput, error, body.events, ["events"])
 */
export function wellFormedItems<S extends z.ZodType>(
  schema: S,
  error: z.ZodError,
  list: unknown,
  listPath: readonly PropertyKey[],
): { readonly index: number; readonly item: z.output<S> }[] {
  const listIsBad = error.issues.some(({ path }) => samePath(path, listPath));
  if (listIsBad || !Array.isArray(list)) return [];
  return list.flatMap((value: unknown, index) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? [{ index, item: parsed.data }] : [];
  });
}

function samePath(path: readonly PropertyKey[], expected: readonly PropertyKey[]): boolean {
  return path.length === expected.length && path.every((key, at) => key === expected[at]);
}

/**
 * The refusal of a batch with malformed items, whose well-formed items were checked against
 * the catalog too (`checked`; nothing stored): one 400 `invalid_request` listing every bad field
 * of the batch in item order, whatever the catalog says. `itemPrefix` starts the pointer of an
 * item (`/events/`, `/batch/`, `/`); pointers outside any item come first.
 *
 * @example batchRefusal(malformed, checked, "/batch/")
 */
export function batchRefusal(
  malformed: readonly FieldProblem[],
  checked: readonly FieldProblem[],
  itemPrefix: string,
): AppError {
  const item = new RegExp(`^${itemPrefix}(\\d+)(?:/|$)`);
  const indexOf = ({ pointer }: FieldProblem) => Number(item.exec(pointer)?.[1] ?? -1);
  const fields = [...malformed, ...checked].toSorted((a, b) => indexOf(a) - indexOf(b));
  const wrong = wrongFields(fields.length);
  const catalog = checked.length === 0 ? "" : ` (${checked.length} of them against the catalog)`;
  const message = `the batch is not valid: ${wrong}${catalog}; nothing was stored`;
  return new AppError("invalid_request", message, fields);
}
