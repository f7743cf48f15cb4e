/**
 * Loads a deployment — catalog, policy and playbooks — or reports every problem in it at once.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Policy } from "../engine/node.ts";
import { buildCatalog, type Catalog, catalogIssues } from "./catalog.ts";
import { CatalogFile } from "./catalog-schema.ts";
import {
  type CatalogScope,
  catalogForChecks,
  type PolicyScope,
  policyForChecks,
} from "./check-scope.ts";
import { deploymentPaths, pathProblems } from "./deployment-paths.ts";
import { type DeclaredName, type LoadedPlaybook, loadPlaybook } from "./playbook.ts";
import { buildPolicy, policyIssues } from "./policy.ts";
import { PolicyFile } from "./policy-schema.ts";
import { type Findings, type LoadProblem, PlaybookLoadError } from "./problems.ts";
import { parseYaml, type SourceText, toProblem } from "./source.ts";
import { validate } from "./validate.ts";

export type { LoadedPlaybook } from "./playbook.ts";
export { PlaybookLoadError } from "./problems.ts";

/** Everything a deployment decides with. */
export interface Deployment {
  readonly catalog: Catalog;
  readonly policy: Policy;
  readonly playbooks: readonly LoadedPlaybook[];
}

export interface DeploymentFiles {
  readonly catalogFile: string;
  readonly policyFile: string;
  readonly playbookFiles: readonly string[];
}

export interface DeploymentSources {
  readonly catalog: SourceText;
  readonly policy: SourceText;
  readonly playbooks: readonly SourceText[];
}

/**
 * Loads and checks the given files. Throws one `PlaybookLoadError` listing every problem.
 *
 * @example loadDeployment({ catalogFile: "catalog.yaml", policyFile: "policy.yaml",
 *   playbookFiles: ["playbooks/insurance.yaml"] })
 */
export function loadDeployment(files: DeploymentFiles): Deployment {
  const { catalogFile, policyFile, playbookFiles } = files;
  const missing = [catalogFile, policyFile, ...playbookFiles].flatMap((file) =>
    pathProblems(file, "file"),
  );
  if (missing.length > 0) throw new PlaybookLoadError(missing);

  const read = (file: string): SourceText => ({ file, text: readFileSync(file, "utf8") });
  return loadDeploymentFromSources({
    catalog: read(catalogFile),
    policy: read(policyFile),
    playbooks: playbookFiles.map(read),
  });
}

/**
 * Loads `dir/catalog.yaml`, `dir/policy.yaml` and `dir/playbooks/*.yaml` in name order. A
 * missing folder or file is reported by the path given, with every other one missing.
 *
 * @example loadDeploymentFromDir("examples").playbooks.map((playbook) => playbook.name)
 */
export function loadDeploymentFromDir(dir: string): Deployment {
  const found = deploymentPaths(dir);
  if (!("paths" in found)) throw new PlaybookLoadError(found.problems);

  const { catalogFile, policyFile, playbookDir } = found.paths;
  const playbookFiles = readdirSync(playbookDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(playbookDir, name));
  return loadDeployment({ catalogFile, policyFile, playbookFiles });
}

/**
 * Loads a deployment from texts already read; `file` names each in problems.
 *
 * @example loadDeploymentFromSources({ catalog: { file: "catalog.yaml", text }, ... })
 */
export function loadDeploymentFromSources(sources: DeploymentSources): Deployment {
  const findings: Findings = { problems: [], notes: [] };
  const { problems, notes } = findings;
  const catalog = loadCatalog(sources.catalog, problems);
  const { policy, policyCapsRead } = loadPolicy(sources.policy, problems);
  const scope = catalog && { ...catalog, policy, policyCapsRead };
  if (scope === undefined && sources.playbooks.length > 0) notes.push(shapeOnlyNote(sources));

  const playbooks = sources.playbooks.map((source) => loadPlaybook(source, scope, findings));
  problems.push(...duplicateProblems(playbooks.flatMap((loaded) => loaded.names)));

  const files = [sources.catalog, sources.policy, ...sources.playbooks].map(({ file }) => file);
  if (problems.length > 0 || scope === undefined) {
    throw new PlaybookLoadError(sortProblems(problems, files), sortProblems(notes, files));
  }
  const loaded = playbooks.flatMap(({ playbook }) => (playbook ? [playbook] : []));
  return { catalog: scope.catalog, policy, playbooks: loaded };
}

/** Without a readable catalog, the playbooks' names, rule types and policy go unchecked. */
function shapeOnlyNote(sources: DeploymentSources): LoadProblem {
  const files = sources.playbooks.length === 1 ? "the playbook was" : "the playbooks were";
  return {
    file: sources.catalog.file,
    line: 0,
    column: 0,
    path: "",
    message:
      `${files} checked for shape and rule syntax only: this catalog could not be read, ` +
      "so no node was checked against it",
  };
}

/**
 * The catalog, or what of it the playbook checks can still use: its valid entries. Without
 * problems it is the whole catalog. `undefined` when it is not YAML or a section is unreadable.
 */
function loadCatalog(input: SourceText, problems: LoadProblem[]): CatalogScope | undefined {
  const { source, problems: syntax } = parseYaml(input);
  problems.push(...syntax);
  if (syntax.length > 0) return undefined;

  const result = validate(CatalogFile, source.data);
  const issues = [...result.issues, ...catalogIssues(source.data)];
  problems.push(...issues.map((issue) => toProblem(source, issue)));
  // A catalog with problems beyond its schema still serves the playbook checks; never a load.
  if (result.data) return { catalog: buildCatalog(result.data) };
  return catalogForChecks(source.data);
}

/** The policy, or what of it the playbook checks can still use; without problems, the policy. */
function loadPolicy(input: SourceText, problems: LoadProblem[]): PolicyScope {
  const { source, problems: syntax } = parseYaml(input);
  problems.push(...syntax);
  if (syntax.length > 0) return policyForChecks(undefined);

  const result = validate(PolicyFile, source.data);
  const issues = [...result.issues, ...policyIssues(source.data)];
  problems.push(...issues.map((issue) => toProblem(source, issue)));
  if (result.data && issues.length === 0) return { policy: buildPolicy(result.data) };
  return policyForChecks(source.data);
}

function duplicateProblems(names: readonly DeclaredName[]): LoadProblem[] {
  const first = new Map<string, LoadProblem>();
  const problems: LoadProblem[] = [];

  for (const { kind, name, at } of names) {
    const key = `${kind} ${name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, at);
      continue;
    }
    const where = `${earlier.file}:${earlier.line}`;
    const fix = kind === "node" ? "give each node its own id" : "give each playbook its own name";
    const message = `${kind} ${name} is defined twice (first at ${where}); ${fix}`;
    problems.push({ ...at, message });
  }
  return problems;
}

function sortProblems(problems: readonly LoadProblem[], files: readonly string[]): LoadProblem[] {
  const order = (problem: LoadProblem) => files.indexOf(problem.file);
  return [...problems].sort(
    (a, b) => order(a) - order(b) || a.line - b.line || a.column - b.column,
  );
}
