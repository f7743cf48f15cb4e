/** A key in a YAML map or an index in a YAML sequence. */
export type PathKey = string | number;

/** One thing wrong in a catalog, policy or playbook file, with where it is. */
export interface LoadProblem {
  readonly file: string;
  /** 1-based; 0 when the problem is the file or folder itself (it does not exist). */
  readonly line: number;
  /** 1-based; 0 with line 0. */
  readonly column: number;
  /** Where in the document, as `nodes[0].caps[0].max`; empty for the whole document. */
  readonly path: string;
  readonly nodeId?: string;
  /** What is wrong and what was expected; names the node when there is one. */
  readonly message: string;
}

/**
 * A problem found before its position is known: a path in the document and a message.
 * `at: "key"` points at the map key itself (an unknown or badly named key).
 */
export interface Issue {
  readonly path: readonly PathKey[];
  readonly message: string;
  readonly at?: "key" | "value";
  /**
   * The 0-based character of the value's text the problem lies at (a CEL error inside a
   * rule). The column points at it where the value is written on one line as it reads.
   */
  readonly offset?: number;
  /** A check left out, not a problem: it waits for a problem elsewhere to be fixed. */
  readonly note?: boolean;
}

/** What a load found: its problems, and notes on the checks they made it leave out. */
export interface Findings {
  readonly problems: LoadProblem[];
  readonly notes: LoadProblem[];
}

/**
 * Thrown when any file fails to load; carries every problem found in every file, and notes on
 * the checks those problems left out (not problems themselves, and not counted as such).
 */
export class PlaybookLoadError extends Error {
  override readonly name = "PlaybookLoadError";
  readonly problems: readonly LoadProblem[];
  readonly notes: readonly LoadProblem[];

  constructor(problems: readonly LoadProblem[], notes: readonly LoadProblem[] = []) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    const lines = [`playbooks not loaded, ${count}:`, ...problems.map(formatProblem)];
    if (notes.length > 0) lines.push(notesHeading(notes.length), ...notes.map(formatProblem));
    super(lines.join("\n"));
    this.problems = problems;
    this.notes = notes;
  }
}

function notesHeading(count: number): string {
  const notes = count === 1 ? "1 note on a check" : `${count} notes on checks`;
  return `and ${notes} left out until the problems above are fixed:`;
}

/**
 * One problem as a line an editor can jump to: `<file>:<line>:<col> <path>: <message>`,
 * `<file>:<line>:<col> <message>` for the document itself (a YAML syntax error), or
 * `<file>: <message>` for the file as a whole.
 *
 * @example formatProblem(problem) // "insurance.yaml:14:7 nodes[0].caps[0].max: node x: ..."
 */
export function formatProblem(problem: LoadProblem): string {
  if (problem.line === 0) return `${problem.file}: ${problem.message}`;
  const path = problem.path === "" ? "" : `${problem.path}: `;
  return `${problem.file}:${problem.line}:${problem.column} ${path}${problem.message}`;
}

/**
 * A path as people write it: `nodes[0].caps[0].max`, `attributes["claim.amount"].type`.
 *
 * @example formatPath(["nodes", 0, "id"]) // "nodes[0].id"
 */
export function formatPath(path: readonly PathKey[]): string {
  return path.map(formatKey).join("").replace(/^\./, "");
}

function formatKey(key: PathKey): string {
  if (typeof key === "number") return `[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
