/**
 * Catalog, policy and playbook files: schemas, loader and load-time policy checks.
 */

export type { AttributeSpec, Catalog } from "./catalog.ts";
export { CatalogAttribute, CatalogFile, CatalogPurpose } from "./catalog-schema.ts";
export { bundleEnvironment, compileRule, type RuleScope } from "./cel.ts";
export { parseClock, parseDuration } from "./durations.ts";
export { jsonSchemaFiles, writeJsonSchemas } from "./json-schemas.ts";
export {
  type Deployment,
  type DeploymentFiles,
  type DeploymentSources,
  loadDeployment,
  loadDeploymentFromDir,
  loadDeploymentFromSources,
} from "./loader.ts";
export type { NodeCosts, NodeMeta, StopLoss } from "./meta.ts";
export type { LoadedPlaybook } from "./playbook.ts";
export { PlaybookFile, PlaybookNode } from "./playbook-schema.ts";
export { PolicyFile } from "./policy-schema.ts";
export { formatProblem, type LoadProblem, PlaybookLoadError } from "./problems.ts";
export type { SourceText } from "./source.ts";
