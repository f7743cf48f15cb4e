import type { CompiledNode } from "../engine/node.ts";
import { compileNode, ruleSyntaxIssues } from "./compile-node.ts";
import { type NodeMeta, nodeMeta } from "./meta.ts";
import type { NodeScope } from "./node-checks.ts";
import { PlaybookFile } from "./playbook-schema.ts";
import type { Findings, Issue, LoadProblem } from "./problems.ts";
import { isRecord, rawItems, rawString } from "./raw.ts";
import { parseYaml, type SourceText, toProblem, type YamlSource } from "./source.ts";
import { validate } from "./validate.ts";

/** A playbook file after loading: its nodes compiled, their value fields beside them. */
export interface LoadedPlaybook {
  readonly name: string;
  readonly version: number;
  readonly file: string;
  readonly description?: string;
  readonly nodes: readonly CompiledNode[];
  /** Node id to KPI, outcomes, costs, payback and experiment outcome. */
  readonly meta: ReadonlyMap<string, NodeMeta>;
}

/** A playbook name or node id, with where it was written, to find duplicates across files. */
export interface DeclaredName {
  readonly kind: "playbook" | "node";
  readonly name: string;
  readonly at: LoadProblem;
}

/**
 * Loads one playbook file, adding what it finds to `findings`. Without a scope (the catalog is
 * not YAML) only the file's own shape and its rules' syntax are checked. A check that reads a
 * catalog entry which failed its schema is left out, with a note.
 */
export function loadPlaybook(
  input: SourceText,
  scope: NodeScope | undefined,
  findings: Findings,
): { playbook?: LoadedPlaybook; names: DeclaredName[] } {
  const { source, problems: syntax } = parseYaml(input);
  findings.problems.push(...syntax);
  if (syntax.length > 0) return { names: [] };

  const result = validate(PlaybookFile, source.data);
  const header = { name: result.data?.playbook ?? "", version: result.data?.version ?? 0 };
  const compiled = rawNodes(source.data).map((raw) =>
    scope === undefined ? { issues: ruleSyntaxIssues(raw) } : compileNode(raw, header, scope),
  );

  const issues = [
    ...result.issues,
    ...compiled.flatMap((outcome, index) => outcome.issues.map((issue) => inNode(index, issue))),
  ];
  for (const issue of issues) {
    (issue.note ? findings.notes : findings.problems).push(nodeProblem(source, issue));
  }

  const names = declaredNames(source);
  const nodes = compiled.flatMap((outcome) => (outcome.node ? [outcome.node] : []));
  if (result.data === undefined || issues.length > 0) return { names };
  return { playbook: loadedPlaybook(input.file, result.data, nodes), names };
}

function loadedPlaybook(file: string, data: PlaybookFile, nodes: CompiledNode[]): LoadedPlaybook {
  return {
    name: data.playbook,
    version: data.version,
    file,
    ...(data.description === undefined ? {} : { description: data.description }),
    nodes,
    meta: new Map(data.nodes.map((node) => [node.id, nodeMeta(node)])),
  };
}

function inNode(index: number, issue: Issue): Issue {
  return { ...issue, path: ["nodes", index, ...issue.path] };
}

/** The problem an issue makes, naming the node it lies in when there is one. */
function nodeProblem(source: YamlSource, issue: Issue): LoadProblem {
  const [first, index] = issue.path;
  const id = first === "nodes" && typeof index === "number" ? nodeIdAt(source, index) : undefined;
  if (id === undefined) return toProblem(source, issue);

  // A message with the node as its subject ("node x reads ...") already names it.
  const named = issue.message.startsWith(`node ${id} `) || issue.message.startsWith(`node ${id}:`);
  const message = named ? issue.message : `node ${id}: ${issue.message}`;
  return toProblem(source, { ...issue, message }, id);
}

function declaredNames(source: YamlSource): DeclaredName[] {
  const names: DeclaredName[] = [];
  const data = source.data;
  if (isRecord(data) && typeof data.playbook === "string") {
    const at = toProblem(source, { path: ["playbook"], message: "" });
    names.push({ kind: "playbook", name: data.playbook, at });
  }

  rawNodes(data).forEach((_, index) => {
    const id = nodeIdAt(source, index);
    if (id === undefined) return;
    const at = toProblem(source, { path: ["nodes", index, "id"], message: "" }, id);
    names.push({ kind: "node", name: id, at });
  });
  return names;
}

function nodeIdAt(source: YamlSource, index: number): string | undefined {
  const node = rawNodes(source.data)[index];
  return rawString(node, "id");
}

function rawNodes(data: unknown): unknown[] {
  return rawItems(data, "nodes");
}
