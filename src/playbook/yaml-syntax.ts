/**
 * YAML syntax errors as problems: one per mistake, at the line where it was made, in plain
 * words rather than the parser's.
 */

import {
  type Document,
  isCollection,
  isScalar,
  type LineCounter,
  type Node,
  visit,
  type YAMLError,
} from "yaml";
import type { LoadProblem } from "./problems.ts";

/** A syntax error placed where the mistake was made. */
interface Located {
  readonly error: YAMLError;
  readonly offset: number;
  /** An unclosed bracket or quote garbles the text after it up to here: no more errors there. */
  readonly spoilsUntil?: number;
}

/**
 * The problems of a document's syntax errors. The parser reports an unclosed bracket several
 * times over (every line it swallowed), and some mistakes under two codes at one place: only
 * the first error at a place, and none inside the text an unclosed bracket or quote spoils.
 *
 * @example syntaxProblems("catalog.yaml", document, lineCounter)[0]?.message
 */
export function syntaxProblems(
  file: string,
  document: Document,
  lineCounter: LineCounter,
): LoadProblem[] {
  const located = document.errors.map((error) => locate(document, error));
  const kept = located.filter((entry, index) => !isFollowOn(entry, index, located));

  const seen = new Set<string>();
  return kept.flatMap((entry): LoadProblem[] => {
    const { line, col } = lineCounter.linePos(entry.offset);
    if (seen.has(`${line}:${col}`)) return [];
    seen.add(`${line}:${col}`);
    return [{ file, line, column: col, path: "", message: syntaxMessage(entry.error) }];
  });
}

function isFollowOn(entry: Located, index: number, all: readonly Located[]): boolean {
  return all.some((earlier, at) => {
    const until = earlier.spoilsUntil;
    return (
      at !== index && until !== undefined && entry.offset > earlier.offset && entry.offset <= until
    );
  });
}

/**
 * Where a syntax error lies. The parser notices an unclosed `[`, `{` or quote only where the
 * next token starts, often on a later line; the mistake is where it opened.
 */
function locate(document: Document, error: YAMLError): Located {
  const [at] = error.pos;
  // Once the parser has left the document, it reads every token after as out of place.
  if (isOutsideDocument(error)) return { error, offset: at, spoilsUntil: Infinity };
  if (error.code !== "MISSING_CHAR" && error.code !== "BAD_INDENT") return { error, offset: at };

  let found: Located | undefined;
  visit(document, {
    Node(_, node, path) {
      const [start, end] = node.range ?? [];
      if (end !== at || !isUnclosable(node) || start === undefined) return;
      found = { error, offset: start, spoilsUntil: enclosingEnd(path, at) ?? at };
    },
  });
  return found ?? { error, offset: at };
}

function isOutsideDocument(error: YAMLError): boolean {
  return error.code === "UNEXPECTED_TOKEN" && error.message.includes("in YAML stream");
}

/** A node written between brackets or quotes. */
function isUnclosable(node: Node): boolean {
  if (isScalar(node)) return node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
  return isCollection(node) && node.flow === true;
}

/**
 * Where the nearest block map or list that goes on past `at` ends: the parser reads what
 * follows an unclosed bracket into it, and every error up to there follows from that.
 */
function enclosingEnd(path: readonly unknown[], at: number): number | undefined {
  for (const ancestor of [...path].reverse()) {
    const end = isCollection(ancestor) && ancestor.flow !== true ? ancestor.range?.[1] : undefined;
    if (end !== undefined && end > at) return end;
  }
  return undefined;
}

/** Plain words for the parser's error codes; the parser's own text where none fit. */
const PLAIN_WORDS: readonly (readonly [YAMLError["code"], RegExp, string])[] = [
  [
    "BAD_INDENT",
    /^Flow sequence/,
    "this [ is never closed: end the list with ], or indent the lines it goes on to",
  ],
  [
    "BAD_INDENT",
    /^Flow map/,
    "this { is never closed: end the map with }, or indent the lines it goes on to",
  ],
  ["BAD_INDENT", /mapping items/, "this key is not lined up with the keys before it"],
  ["BAD_INDENT", /sequence items/, "this - item is not lined up with the items before it"],
  ["MISSING_CHAR", /closing "quote/, 'this " is never closed: end the text with "'],
  ["MISSING_CHAR", /closing 'quote/, "this ' is never closed: end the text with '"],
  ["MISSING_CHAR", /Missing ,/, "a comma is missing between two items in brackets"],
  ["MISSING_CHAR", /Missing space after :/, "a colon in brackets needs a space after it"],
  ["MISSING_CHAR", /followed by map values/, "this key has no colon and value after it"],
  ["TAB_AS_INDENT", /./, "a tab indents this line: YAML indents with spaces only"],
  ["DUPLICATE_KEY", /./, "this key is written twice in the same map: keep one"],
  [
    "BLOCK_AS_IMPLICIT_KEY",
    /Nested mappings/,
    "a second key: on one line: put the inner map on lines of its own, or quote a value that holds ': '",
  ],
  ["MULTILINE_IMPLICIT_KEY", /./, "this key runs over two lines: is a colon missing after it?"],
  ["UNEXPECTED_TOKEN", /flow-(seq|map)-end/, "this ] or } closes nothing: remove it"],
  [
    "UNEXPECTED_TOKEN",
    /in YAML stream/,
    "the document ended before this line: check the indentation and brackets above",
  ],
  ["BAD_SCALAR_START", /./, "a value cannot start with this character: quote the value"],
  ["BAD_DQ_ESCAPE", /./, 'an unknown \\ escape in "…": write \\\\ or use single quotes'],
  ["BLOCK_IN_FLOW", /./, "items inside [ ] or { } are set off by commas: is a comma missing?"],
  ["MULTIPLE_DOCS", /./, "more than one YAML document (---) in the file: keep one"],
];

/**
 * What a syntax error says: in plain words where the parser's code has them, else the parser's
 * own text.
 *
 * @example syntaxMessage(error) // "YAML syntax: this [ is never closed: end the list with ] ..."
 */
export function syntaxMessage(error: YAMLError): string {
  const text = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  const words = PLAIN_WORDS.find(([code, pattern]) => code === error.code && pattern.test(text));
  return `YAML syntax: ${words === undefined ? text : words[2]}`;
}
