/**
 * Reading documents that did not pass their schema, so that checks still run on the parts
 * that did: an invalid file reports every problem at once, not the first one.
 */

import type { z } from "zod";
import type { Issue } from "./problems.ts";

/** A YAML map as plain data. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path` in nested maps, or `undefined`. */
export function rawAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), value);
}

/** `value[key]` when it is a list, else an empty list. */
export function rawItems(value: unknown, key: string): unknown[] {
  const items = isRecord(value) ? value[key] : undefined;
  return Array.isArray(items) ? items : [];
}

/** `value[key]` when it is a string. */
export function rawString(value: unknown, key: string): string | undefined {
  const text = isRecord(value) ? value[key] : undefined;
  return typeof text === "string" ? text : undefined;
}

/**
 * Runs `check` on the part of `raw` that `schema` reads, when that part is valid; an invalid
 * part has already been reported by the file's schema.
 */
export function whenValid<T>(
  schema: z.ZodType<T>,
  raw: unknown,
  check: (data: T) => Issue[],
): Issue[] {
  const parsed = schema.safeParse(raw);
  return parsed.success ? check(parsed.data) : [];
}

/** Each item of a list parsed on its own; `undefined` where an item is invalid. */
export function validItems<T>(schema: z.ZodType<T>, items: readonly unknown[]): (T | undefined)[] {
  return items.map((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  });
}
