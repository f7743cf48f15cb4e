/**
 * Assent as a library: `import { … } from "assent"`.
 *
 * - The engine: load a deployment (catalog, policy, playbooks) and decide events with it. The
 *   engine is pure: it reads only what it is given and returns decisions with explanations.
 * - The stores: open the SQLite or PostgreSQL store that keeps profiles, the consent ledger,
 *   the decision log and the outbox, and verify the log's hash chains.
 * - The application layer and the HTTP API, for embedding the whole service.
 *
 * The README's "Using Assent as a library" section has an example that a test runs.
 *
 * @example
 * import { createEngine, loadDeploymentFromDir } from "assent";
 * const deployment = loadDeploymentFromDir("examples");
 * const engine = createEngine(deployment.playbooks.flatMap((p) => p.nodes), deployment.policy);
 */

export { type App, type AppOptions, createApp } from "./app/app.ts";
export type { AssentApp, DecisionSummary, IngestOutcome } from "./app/assent-app.ts";
export { AppError, type FieldProblem } from "./app/errors.ts";
export type { DeliveryTarget } from "./app/recorder.ts";
export { type ChainBreak, type VerifyReport, verifyLog } from "./decision-log/verify.ts";
export { createEngine, type DecisionInput, decideNode, type Engine } from "./engine/engine.ts";
export type { CompiledNode, Policy, Release } from "./engine/node.ts";
export { REASON_CODES, REASONS } from "./engine/reasons.ts";
export type {
  AssentEvent,
  AttributeState,
  AttributeValue,
  Channel,
  ChosenAction,
  ConsentRecord,
  ConsentView,
  Decision,
  ExplanationStep,
  Instant,
  LawfulBasis,
  Outcome,
  Profile,
  ReasonCode,
  SendRecord,
  StepName,
  SuppressionRecord,
  Verdict,
} from "./engine/types.ts";
export { createHttpServer, type HttpServer, type HttpServerOptions } from "./http/server.ts";
export type { ConsentInput, EventInput } from "./ingest/input-schema.ts";
export { createLogger, type Logger } from "./observability/logger.ts";
export {
  createTracing,
  NO_TRACING,
  type Tracing,
  type TracingOptions,
  tracingFromEnv,
} from "./observability/tracing.ts";
export { createDeliveryWorker, type DeliveryWorker } from "./outbox/worker.ts";
export {
  type Deployment,
  type LoadedPlaybook,
  loadDeployment,
  loadDeploymentFromDir,
  loadDeploymentFromSources,
  PlaybookLoadError,
} from "./playbook/loader.ts";
export { DEFAULT_SQLITE_PATH, openStore } from "./store/open-store.ts";
export { openPostgresStore, type PostgresStoreOptions } from "./store/postgres/postgres-store.ts";
export { openSqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.ts";
export type {
  Delivery,
  LogRecord,
  NewLogEntry,
  Store,
  StoredDecision,
  StoreTx,
  SubjectTx,
} from "./store/store.ts";
