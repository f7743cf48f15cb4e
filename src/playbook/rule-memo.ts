/**
 * Remembered rule results. A CEL rule that reads only bundle attributes is a pure function of
 * their values, so its result can be looked up by those values instead of being interpreted
 * again: most rules read a few low-cardinality attributes (a plan, a tier, a flag), and the
 * interpreter costs several times the lookup. A rule that reads `now`, `event`, a comprehension
 * variable or a whole namespace is never remembered. Faults are never remembered either: the
 * rule is evaluated again and throws again.
 */

import type { ASTNode } from "@marcbachmann/cel-js";
import type { RuleContext } from "../engine/node.ts";
import type { Profile } from "../engine/types.ts";

/** How many results one rule keeps; the memo starts afresh when it is full. */
const CAPACITY = 4096;
/** After this many lookups, a rule whose results are rarely reused stops being remembered. */
const TRIAL = 4 * CAPACITY;

/**
 * The attributes a rule reads, sorted, when its result depends on them alone; undefined when it
 * may depend on anything else (then it is not remembered).
 */
export function memoReads(
  root: ASTNode,
  bundle: ReadonlySet<string>,
): readonly string[] | undefined {
  const reads = new Set<string>();
  const identifiers: ASTNode[] = [];
  const selected = new Set<ASTNode>();
  for (const node of astNodes(root)) {
    const op: string = node.op;
    if (op === "comprehension" || op.startsWith("accu")) return undefined;
    if (node.op === "id") identifiers.push(node);
    const read = attributeSelect(node);
    if (read === undefined) continue;
    if (!bundle.has(read.name)) return undefined;
    reads.add(read.name);
    selected.add(read.target);
  }
  // Every identifier must be the namespace of a bundle attribute read: nothing else is read.
  if (identifiers.some((identifier) => !selected.has(identifier))) return undefined;
  return [...reads].sort();
}

function attributeSelect(node: ASTNode): { name: string; target: ASTNode } | undefined {
  if (node.op !== "." && node.op !== "[]") return undefined;
  const [target, key] = node.args as [ASTNode, unknown];
  if (target.op !== "id") return undefined;
  const field = node.op === "." ? key : isAstNode(key) && key.op === "value" ? key.args : undefined;
  return typeof field === "string" ? { name: `${target.args}.${field}`, target } : undefined;
}

/** Every AST node under `root`, wherever the parser put it (arguments, lists, objects). */
function astNodes(root: ASTNode): ASTNode[] {
  const found: ASTNode[] = [];
  const seen = new Set<unknown>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) pending.push(...value);
    else if (isAstNode(value)) {
      found.push(value);
      pending.push(value.args);
    } else pending.push(...Object.values(value));
  }
  return found;
}

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

/**
 * Results of one rule by key, bounded: the memo starts afresh when full, and stops remembering
 * for good when, after a trial, fewer than half the lookups found a result.
 */
export class ResultMemo {
  readonly #results = new Map<string, boolean>();
  #lookups = 0;
  #hits = 0;
  /** False once the rule's results proved too rarely reused to be worth a key. */
  active = true;

  get(key: string): boolean | undefined {
    this.#lookups += 1;
    const known = this.#results.get(key);
    if (known !== undefined) this.#hits += 1;
    return known;
  }

  set(key: string, result: boolean): void {
    if (this.#results.size >= CAPACITY) this.#results.clear();
    this.#results.set(key, result);
    if (this.#lookups >= TRIAL && this.#hits * 2 < this.#lookups) this.active = false;
  }
}

/**
 * `evaluate` for a subject's profile, remembered by the profile's values of `names` (the
 * attributes the rule reads), so that a remembered result needs no rule context at all: the
 * context is built from those same values, and only when the rule must run.
 */
export function rememberProfileResults(
  names: readonly string[],
  evaluate: (context: RuleContext) => boolean,
): <T>(profile: Profile, context: (from: T) => RuleContext, from: T) => boolean {
  const memo = new ResultMemo();
  return (profile, context, from) => {
    const key = memo.active ? profileKey(profile, names) : undefined;
    if (key === undefined) return evaluate(context(from));
    const known = memo.get(key);
    if (known !== undefined) return known;
    const result = evaluate(context(from));
    memo.set(key, result);
    return result;
  };
}

/**
 * The profile's values of `names` as one string that differs whenever a value differs: each is
 * tagged by type, and strings and lists carry their length. Undefined for a value of any other
 * kind (then the rule runs).
 */
export function profileKey(profile: Profile, names: readonly string[]): string | undefined {
  let key = "";
  for (let index = 0; index < names.length; index++) {
    const part = valueKey(profile.get(names[index] ?? "")?.value);
    if (part === undefined) return undefined;
    key += part;
  }
  return key;
}

function valueKey(value: unknown): string | undefined {
  switch (typeof value) {
    case "boolean":
      return value ? "T" : "F";
    case "number":
      // String(-0) is "0", but 1 / -0 is not 1 / 0.
      return Object.is(value, -0) ? "n-0;" : `n${value};`;
    case "string":
      return `s${value.length}:${value}`;
    case "undefined":
      return "u";
    default:
      return listKey(value);
  }
}

function listKey(value: unknown): string | undefined {
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    const text = JSON.stringify(value);
    return `l${text.length}:${text}`;
  }
  return undefined;
}
