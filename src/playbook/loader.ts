/**
 * Loads a deployment — catalog, policy and playbooks — or reports every problem in it at once.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Policy } from "../engine/node.ts";
import { buildCatalog, type Catalog, catalogIssues } from "./catalog.ts";
import { CatalogFile } from "./catalog-schema.ts";
import { Residency } from "./common-schema.ts";
import { type DeclaredName, type LoadedPlaybook, loadPlaybook } from "./playbook.ts";
import { buildPolicy, policyIssues } from "./policy.ts";
import { PolicyFile } from "./policy-schema.ts";
import { type LoadProblem, PlaybookLoadError } from "./problems.ts";
import { rawItems, rawString } from "./raw.ts";
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
  const read = (file: string): SourceText => ({ file, text: readFileSync(file, "utf8") });
  return loadDeploymentFromSources({
    catalog: read(files.catalogFile),
    policy: read(files.policyFile),
    playbooks: files.playbookFiles.map(read),
  });
}

/**
 * Loads `dir/catalog.yaml`, `dir/policy.yaml` and `dir/playbooks/*.yaml` in name order.
 *
 * @example loadDeploymentFromDir("examples").playbooks.map((playbook) => playbook.name)
 */
export function loadDeploymentFromDir(dir: string): Deployment {
  const playbookDir = join(dir, "playbooks");
  const playbookFiles = readdirSync(playbookDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(playbookDir, name));

  return loadDeployment({
    catalogFile: join(dir, "catalog.yaml"),
    policyFile: join(dir, "policy.yaml"),
    playbookFiles,
  });
}

/**
 * Loads a deployment from texts already read; `file` names each in problems.
 *
 * @example loadDeploymentFromSources({ catalog: { file: "catalog.yaml", text }, ... })
 */
export function loadDeploymentFromSources(sources: DeploymentSources): Deployment {
  const problems: LoadProblem[] = [];
  const catalog = loadCatalog(sources.catalog, problems);
  const policy = loadPolicy(sources.policy, problems);
  const scope = catalog && policy ? { catalog, policy } : undefined;

  const playbooks = sources.playbooks.map((source) => loadPlaybook(source, scope, problems));
  problems.push(...duplicateProblems(playbooks.flatMap((loaded) => loaded.names)));

  const files = [sources.catalog, sources.policy, ...sources.playbooks].map(({ file }) => file);
  if (problems.length > 0 || scope === undefined) {
    throw new PlaybookLoadError(sortProblems(problems, files));
  }
  const loaded = playbooks.flatMap(({ playbook }) => (playbook ? [playbook] : []));
  return { ...scope, playbooks: loaded };
}

function loadCatalog(input: SourceText, problems: LoadProblem[]): Catalog | undefined {
  const { source, problems: syntax } = parseYaml(input);
  problems.push(...syntax);
  if (syntax.length > 0) return undefined;

  const result = validate(CatalogFile, source.data);
  const issues = [...result.issues, ...catalogIssues(source.data)];
  problems.push(...issues.map((issue) => toProblem(source, issue)));
  // A catalog with problems beyond its schema still serves the playbook checks; never a load.
  return result.data ? buildCatalog(result.data) : undefined;
}

function loadPolicy(input: SourceText, problems: LoadProblem[]): Policy | undefined {
  const { source, problems: syntax } = parseYaml(input);
  problems.push(...syntax);
  if (syntax.length > 0) return undefined;

  const result = validate(PolicyFile, source.data);
  const issues = [...result.issues, ...policyIssues(source.data)];
  problems.push(...issues.map((issue) => toProblem(source, issue)));
  if (result.data && issues.length === 0) return buildPolicy(result.data);
  return policyForChecks(source.data);
}

/**
 * What an invalid policy still tells the playbook checks, so that its problems do not hide
 * theirs: its cap ids and, when readable, its region. The deployment never loads with it.
 */
function policyForChecks(raw: unknown): Policy {
  const region = rawString(raw, "region");
  const ids = rawItems(raw, "caps").flatMap((cap) => {
    const id = rawString(cap, "id");
    return id === undefined ? [] : [id];
  });
  const caps = ids.map((id) => ({
    id,
    scope: "global" as const,
    periodMs: 1,
    counts: "all" as const,
  }));
  const deny = { actions: [], channels: [], templates: [] };
  return {
    region: region !== undefined && isResidency(region) ? region : "",
    defaultTimezone: "UTC",
    caps,
    deny,
  };
}

function isResidency(value: string): boolean {
  return Residency.safeParse(value).success;
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
