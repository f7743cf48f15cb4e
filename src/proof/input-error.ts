/**
 * Bad input to a readout, value review or report: every problem found, each naming where it
 * lies (a row and column of the CSV file, or an option) and what was expected. Thrown before
 * anything is written.
 */

/** One problem: where (`row 12, column "spend"`, `--control`) and what is wrong. */
export interface InputProblem {
  readonly where: string;
  readonly problem: string;
}

/** At most this many problems are listed; the rest are counted. */
const LISTED = 20;

export class ProofInputError extends Error {
  override readonly name = "ProofInputError";

  /** `unchecked` says what was not read when the check gave up early (`rows 201 to 5000`). */
  constructor(
    readonly source: string,
    readonly problems: readonly InputProblem[],
    readonly unchecked?: string,
  ) {
    super(describe(source, problems, unchecked));
  }
}

function describe(
  source: string,
  problems: readonly InputProblem[],
  unchecked: string | undefined,
): string {
  const listed = problems.slice(0, LISTED).map(({ where, problem }) => `  ${where}: ${problem}`);
  const more = problems.length - LISTED;
  const tail = more > 0 ? [`  … and ${more} more`] : [];
  const noun = problems.length === 1 ? "problem" : "problems";
  const count = unchecked === undefined ? "" : ` (${unchecked} not checked)`;
  const head = `${source}: ${problems.length} ${noun}${count}, nothing written`;
  return [head, ...listed, ...tail].join("\n");
}
