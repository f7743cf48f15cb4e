/**
 * YAML text to data, keeping where every value was written so that each problem can name its
 * file, line and column.
 */

import {
  type Document,
  isMap,
  isNode,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { formatPath, type Issue, type LoadProblem, type PathKey } from "./problems.ts";
import { syntaxProblems } from "./yaml-syntax.ts";

/** The text of one file and the name to report it by. */
export interface SourceText {
  readonly file: string;
  readonly text: string;
}

/** A parsed YAML file: its data and the positions of everything in it. */
export interface YamlSource {
  readonly file: string;
  /** The text the document was parsed from. */
  readonly text: string;
  /** The document as plain data; `undefined` when the YAML itself is broken. */
  readonly data: unknown;
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

/**
 * Parses one YAML file; syntax errors come back as problems with their line and column.
 *
 * @example parseYaml({ file: "policy.yaml", text: "policy: default" }).source.data
 */
export function parseYaml(input: SourceText): { source: YamlSource; problems: LoadProblem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(input.text, { lineCounter, prettyErrors: true });

  const problems = syntaxProblems(input.file, document, lineCounter);

  const data = problems.length === 0 ? document.toJS() : undefined;
  return { source: { file: input.file, text: input.text, data, document, lineCounter }, problems };
}

/** The problem an issue makes in this file, with the line and column it points at. */
export function toProblem(source: YamlSource, issue: Issue, nodeId?: string): LoadProblem {
  const node = issue.at === "key" ? keyNode(source, issue.path) : valueNode(source, issue.path);
  const start = node?.range?.[0] ?? 0;
  const position = source.lineCounter.linePos(start + offsetShift(source, node, issue));

  return {
    file: source.file,
    line: position.line,
    column: position.col,
    path: formatPath(issue.path),
    ...(nodeId === undefined ? {} : { nodeId }),
    message: issue.message,
  };
}

/**
 * How far past the start of a value its issue's `offset` lies in the text: only for a scalar
 * written on one line exactly as it reads (plain, or quoted without escapes). Elsewhere (a
 * block scalar, a folded line, an escape) 0: the message still says which character.
 */
function offsetShift(source: YamlSource, node: Node | undefined, issue: Issue): number {
  const offset = issue.offset;
  if (offset === undefined || issue.at === "key" || !isScalar(node) || !node.range) return 0;
  const value = node.value;
  if (typeof value !== "string" || offset < 0 || offset > value.length) return 0;

  const written = source.text.slice(node.range[0], node.range[1]);
  if (written.includes("\n")) return 0;
  switch (node.type) {
    case "PLAIN":
      return written === value ? offset : 0;
    case "QUOTE_DOUBLE":
      return written === `"${value}"` ? offset + 1 : 0;
    case "QUOTE_SINGLE":
      return written === `'${value}'` ? offset + 1 : 0;
    default:
      return 0;
  }
}

/** The node at `path`, or its nearest ancestor that exists (a missing key: its map). */
function valueNode(source: YamlSource, path: readonly PathKey[]): Node | undefined {
  for (let length = path.length; length >= 0; length--) {
    const found: unknown = source.document.getIn(path.slice(0, length), true);
    if (isNode(found)) return found;
  }
  return undefined;
}

function keyNode(source: YamlSource, path: readonly PathKey[]): Node | undefined {
  const parent: unknown = source.document.getIn(path.slice(0, -1), true);
  const key = String(path.at(-1));

  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (isNode(pair?.key)) return pair.key;
  }
  return valueNode(source, path);
}
