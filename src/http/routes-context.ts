import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { AssentApp } from "../app/assent-app.ts";
import type { Logger } from "../observability/logger.ts";
import type { GuardFactory } from "./auth.ts";

/** The fastify instance Assent builds: default node HTTP server, pino logger. */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

/** What each group of routes needs: the application and the scope guards. */
export interface RouteContext {
  readonly app: AssentApp;
  readonly guard: GuardFactory;
}
