/**
 * A Qini curve handed to the report by the uplift evaluation (or read from a JSON file): the
 * plain shape both sides agree on, checked on the way in.
 */

import { readFileSync } from "node:fs";
import { z } from "zod";
import { ProofInputError } from "../input-error.ts";

/**
 * `points`: for the top `fraction` (0..1) of the population by score, the cumulative
 * incremental outcome; `coefficient`: the Qini coefficient.
 */
export interface QiniCurve {
  readonly points: ReadonlyArray<{ fraction: number; incremental: number }>;
  readonly coefficient: number;
}

export const QiniCurveSchema = z.object({
  points: z.array(z.object({ fraction: z.number().min(0).max(1), incremental: z.number() })).min(2),
  coefficient: z.number(),
  outcome: z.string().min(1).optional(),
});

/**
 * Reads a Qini curve from a JSON file (`{ points, coefficient, outcome? }`), naming each bad
 * field. `FILE#/json/pointer` picks the curve out of a larger document, such as the output of
 * `assent uplift evaluate --json` (`evaluation.json#/qini/visit/uplift`).
 *
 * @example readQiniCurve("qini-visit.json").coefficient
 */
export function readQiniCurve(given: string): QiniCurve & { readonly outcome?: string } {
  const hash = given.lastIndexOf("#/");
  const file = hash < 0 ? given : given.slice(0, hash);
  const pointer = hash < 0 ? "" : given.slice(hash + 1);
  const json = atPointer(readJson(file), pointer, file);
  const result = QiniCurveSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ProofInputError(
    file,
    result.error.issues.map((issue) => ({
      where: `${pointer}/${issue.path.join("/")}`,
      problem: issue.message,
    })),
  );
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ProofInputError(file, [{ where: "--qini", problem: `not JSON: ${error.message}` }]);
  }
}

/** The value at an RFC 6901 JSON pointer (`/qini/visit/uplift`); the whole document for "". */
function atPointer(json: unknown, pointer: string, file: string): unknown {
  let value = json;
  const tokens = pointer === "" ? [] : pointer.slice(1).split("/");
  for (const raw of tokens) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const next: unknown =
      typeof value === "object" && value !== null
        ? Object.getOwnPropertyDescriptor(value, token)?.value
        : undefined;
    if (next === undefined) {
      throw new ProofInputError(file, [
        { where: pointer, problem: `nothing at "${token}" in this document` },
      ]);
    }
    value = next;
  }
  return value;
}
