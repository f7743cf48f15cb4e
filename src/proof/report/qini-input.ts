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
 * field.
 *
 * @example readQiniCurve("qini-visit.json").coefficient
 */
export function readQiniCurve(file: string): QiniCurve & { readonly outcome?: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ProofInputError(file, [{ where: "--qini", problem: `not JSON: ${error.message}` }]);
  }
  const result = QiniCurveSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ProofInputError(
    file,
    result.error.issues.map((issue) => ({
      where: `/${issue.path.join("/")}`,
      problem: issue.message,
    })),
  );
}
