/**
 * CEL rules: type-checked at load against the node's context bundle, compiled once.
 */

import { type ASTNode, Environment, type ParseResult } from "@marcbachmann/cel-js";
import type { AttributeType, CompiledRule, RuleContext } from "../engine/node.ts";
import { memoReads, rememberProfileResults } from "./rule-memo.ts";

/** Variables every rule sees besides the bundle's namespaces. */
export const RULE_VARIABLES: ReadonlySet<string> = new Set(["event", "now"]);

// cel-js 8 knows timestamps only by their protobuf name; `timestamp` is not a type there.
const CEL_TYPES: Record<AttributeType, string> = {
  string: "string",
  number: "double",
  boolean: "bool",
  timestamp: "google.protobuf.Timestamp",
  string_list: "list<string>",
};

/** What a rule may read, and what else the catalog holds (to say why a read is refused). */
export interface RuleScope {
  readonly nodeId: string;
  /** Bundle attribute name to type. */
  readonly bundle: ReadonlyMap<string, AttributeType>;
  /** Every catalog attribute name. */
  readonly catalog: ReadonlySet<string>;
}

/**
 * A compiled rule, or the messages that say why it cannot be compiled. `offset` is the
 * 0-based character of the rule that a single parse or type problem points at.
 */
export type RuleResult =
  | { readonly rule: CompiledRule; readonly problems: readonly []; readonly offset?: undefined }
  | { readonly rule?: undefined; readonly problems: readonly string[]; readonly offset?: number };

/** Why a rule does not parse, and the 0-based character of the rule it points at. */
export interface RuleSyntaxProblem {
  readonly message: string;
  readonly offset?: number;
}

/**
 * The CEL environment of a bundle: one variable per attribute namespace, typed by its
 * attributes (`claim` → `{ status: string, amount: double }`), plus `event` and `now`.
 */
export function bundleEnvironment(bundle: ReadonlyMap<string, AttributeType>): Environment {
  const namespaces = new Map<string, Record<string, string>>();
  for (const [name, type] of bundle) {
    const [namespace = "", field = ""] = name.split(".");
    const fields = namespaces.get(namespace) ?? {};
    fields[field] = CEL_TYPES[type];
    namespaces.set(namespace, fields);
  }

  const environment = new Environment()
    .registerVariable({ name: "event", schema: { type: "string", data: "map<string, dyn>" } })
    .registerVariable("now", "google.protobuf.Timestamp");
  for (const [name, schema] of namespaces) environment.registerVariable({ name, schema });
  return environment;
}

/**
 * Parses and type-checks one rule in the bundle's environment. `label` names the rule in
 * messages (`eligibility`, `trigger.when`).
 *
 * @example compileRule('claim.status == "open"', "eligibility", scope, environment)
 */
export function compileRule(
  text: string,
  label: string,
  scope: RuleScope,
  environment: Environment,
): RuleResult {
  const outcome = parseRule(text, label, environment);
  if ("problem" in outcome) return withOffset([outcome.problem.message], outcome.problem.offset);
  const parsed = outcome.parsed;

  const reads = readsOf(parsed.ast);
  const boundary = boundaryProblems(reads, scope);
  if (boundary.length > 0) return { problems: boundary };

  const checked = parsed.check();
  if (!checked.valid) {
    const reason = celError(checked.error);
    return withOffset([`${label} does not type-check: ${reason}`], errorOffset(checked.error));
  }
  // A `dyn` result (a read of event.data) is checked when it is evaluated.
  if (checked.type !== "bool" && checked.type !== "dyn") {
    return { problems: [`${label} must return bool, not ${checked.type}`] };
  }

  const attributes = [...new Set(reads)].filter((name) => scope.bundle.has(name)).sort();
  const remembered = memoReads(parsed.ast, new Set(scope.bundle.keys()));
  return { rule: compiledRule(text, attributes, parsed, remembered), problems: [] };
}

/**
 * Why a rule does not parse, or `undefined` when it does. Parsing needs no catalog: this is
 * what can still be checked of a rule when the catalog cannot be read.
 *
 * @example ruleSyntaxProblem("claim.days_open ==", "trigger.when")?.message
 */
export function ruleSyntaxProblem(
  text: string,
  label: string,
  environment: Environment = bundleEnvironment(new Map()),
): RuleSyntaxProblem | undefined {
  const outcome = parseRule(text, label, environment);
  return "problem" in outcome ? outcome.problem : undefined;
}

function parseRule(
  text: string,
  label: string,
  environment: Environment,
): { parsed: ParseResult } | { problem: RuleSyntaxProblem } {
  try {
    return { parsed: environment.parse(text) };
  } catch (error: unknown) {
    const offset = errorOffset(error);
    const message = `${label} is not valid CEL: ${celError(error)}`;
    return { problem: offset === undefined ? { message } : { message, offset } };
  }
}

function withOffset(problems: string[], offset: number | undefined): RuleResult {
  return offset === undefined ? { problems } : { problems, offset };
}

function compiledRule(
  source: string,
  attributes: readonly string[],
  parsed: ParseResult,
  remembered: readonly string[] | undefined,
): CompiledRule {
  const evaluate = (context: RuleContext): boolean => {
    const result: unknown = parsed(context);
    if (typeof result !== "boolean") {
      throw new Error(`rule returned ${typeof result}, not bool: ${source}`);
    }
    return result;
  };
  if (remembered === undefined) return { source, attributes, evaluate };
  // A rule over bundle attributes alone is a pure function of their values: remembered.
  return {
    source,
    attributes,
    evaluate,
    evaluateFor: rememberProfileResults(remembered, evaluate),
  };
}

/** Reads of catalog attributes that the bundle does not hold: the retrieval boundary. */
function boundaryProblems(reads: readonly string[], scope: RuleScope): string[] {
  const problems: string[] = [];
  for (const name of new Set(reads)) {
    if (scope.bundle.has(name)) continue;

    if (scope.catalog.has(name)) {
      problems.push(
        `node ${scope.nodeId} reads ${name}, which is not in its context bundle: ` +
          `add ${name} to bundle or stop reading it`,
      );
    } else if (isCatalogNamespace(name, scope.catalog)) {
      problems.push(
        `node ${scope.nodeId} reads ${name}, which is not in the catalog: ` +
          `declare it in the catalog and add it to bundle, or stop reading it`,
      );
    }
  }
  return problems;
}

function isCatalogNamespace(name: string, catalog: ReadonlySet<string>): boolean {
  const namespace = `${name.split(".")[0]}.`;
  return [...catalog].some((attribute) => attribute.startsWith(namespace));
}

/** The attributes a rule reads; none when it does not parse (compiling it says why). */
export function ruleReads(text: string, environment: Environment): string[] {
  try {
    return readsOf(environment.parse(text).ast);
  } catch {
    return [];
  }
}

/** Every `namespace.field` the expression selects on a bare identifier. */
export function readsOf(root: ASTNode): string[] {
  const reads: string[] = [];
  const pending: ASTNode[] = [root];

  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const read = selection(node);
    if (read !== undefined && !isRuleVariable(read)) reads.push(read);
    collectNodes(node.args, pending);
  }
  return reads;
}

function selection(node: ASTNode): string | undefined {
  if (node.op === "." || node.op === ".?") {
    const [target, field] = node.args;
    return target.op === "id" ? `${target.args}.${field}` : undefined;
  }
  if (node.op === "[]" || node.op === "[?]") {
    const [target, key] = node.args;
    if (target.op === "id" && key.op === "value" && typeof key.args === "string") {
      return `${target.args}.${key.args}`;
    }
  }
  return undefined;
}

function isRuleVariable(read: string): boolean {
  return RULE_VARIABLES.has(read.split(".")[0] ?? "");
}

function collectNodes(value: unknown, into: ASTNode[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectNodes(item, into);
  } else if (isAstNode(value)) {
    into.push(value);
  }
}

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

function celError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);

  const summary = "summary" in error && typeof error.summary === "string" ? error.summary : "";
  const text = summary || (error.message.split("\n")[0] ?? "");
  const range = "range" in error ? error.range : undefined;
  const start = isRange(range) ? ` (at character ${range.start + 1} of the rule)` : "";
  return `${text}${start}`;
}

/** The 0-based character of the rule a CEL error points at, when it says. */
function errorOffset(error: unknown): number | undefined {
  const range =
    typeof error === "object" && error !== null && "range" in error ? error.range : undefined;
  return isRange(range) ? range.start : undefined;
}

function isRange(value: unknown): value is { start: number } {
  return (
    typeof value === "object" &&
    value !== null &&
    "start" in value &&
    typeof value.start === "number"
  );
}

/**
 * Why an attribute name cannot be read by a CEL rule (a reserved word, a name that clashes
 * with `event` or `now`), or `undefined` when it can.
 */
export function celNameProblem(name: string): string | undefined {
  const [namespace = "", field = ""] = name.split(".");
  if (RULE_VARIABLES.has(namespace)) {
    return `namespace ${namespace} is reserved for rules (event, now); rename the attribute`;
  }

  try {
    const environment = new Environment().registerVariable({
      name: namespace,
      schema: { [field]: "dyn" },
    });
    const checked = environment.check(name);
    return checked.valid ? undefined : `rules cannot read ${name}: ${celError(checked.error)}`;
  } catch (error: unknown) {
    return `rules cannot read ${name}: ${celError(error)}; rename the attribute`;
  }
}
