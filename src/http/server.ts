import fastify, {
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseHookHandler,
} from "fastify";
import { v7 as uuidv7 } from "uuid";
import type { AssentApp } from "../app/assent-app.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { TrustService } from "../trust/trust-service.ts";
import { createGuards } from "./auth.ts";
import { registerCloudEventRoutes } from "./cloudevents-routes.ts";
import { registerDecisionRoutes } from "./decision-routes.ts";
import { registerErasureRoutes } from "./erasure-routes.ts";
import { registerEventRoutes } from "./event-routes.ts";
import { registerGpcRoutes } from "./gpc-routes.ts";
import { registerHealthRoutes } from "./health-routes.ts";
import { HttpConfig } from "./http-config.ts";
import { JSON_MEDIA, jsonBodyParser, unsupportedMediaType } from "./json-body.ts";
import { observeRequest, registerMetricsRoute } from "./metrics-routes.ts";
import { registerOpenApi } from "./openapi.ts";
import { registerPreferenceRoutes } from "./preference-routes.ts";
import { classify, errorCodeOf, problemOf, sendProblem } from "./problems.ts";
import { logRequest, type RequestFailure } from "./request-log.ts";
import type { HttpServer } from "./routes-context.ts";
import { registerSegmentRoutes } from "./segment-routes.ts";
import { registerSubjectRoutes } from "./subject-routes.ts";

export type { HttpServer };

/** What the HTTP server is built from. */
export interface HttpServerOptions {
  readonly app: AssentApp;
  readonly config: HttpConfig;
  readonly logger: Logger;
  /** When given, every request is observed and `GET /metrics` serves the registry. */
  readonly metrics?: Metrics;
  /** When given, the preference centre and one-click unsubscribe pages are served. */
  readonly trust?: TrustService;
}

/** The error's name and stack frames, without the message (which may hold personal data). */
function faultOf(error: unknown): RequestFailure["fault"] {
  if (!(error instanceof Error)) {
    return { errorName: typeof error, frames: [] };
  }
  const lines = (error.stack ?? "").split("\n").map((line) => line.trim());
  return { errorName: error.name, frames: lines.filter((line) => line.startsWith("at ")) };
}

function errorHandler(bodyLimit: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemOf(classify(withMediaTypes(error, request), bodyLimit), uuidv7());
    const fault = problem.code === "internal" ? faultOf(error) : undefined;
    request.failure = { code: problem.code, errorId: problem.errorId, fault };
    return sendProblem(reply, problem);
  };
}

/** One `onResponse` hook: the request's log line, then its metrics when they are on. */
function answered(metrics: Metrics | undefined): onResponseHookHandler {
  return (request, reply, done) => {
    logRequest(request, reply);
    if (metrics !== undefined) observeRequest(metrics, request, reply);
    done();
  };
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  const problem = problemOf(
    {
      code: "not_found",
      detail: `no route for ${request.method} ${request.url.split("?")[0]}`,
      fields: [],
    },
    uuidv7(),
  );
  request.failure = { code: problem.code, errorId: problem.errorId };
  return sendProblem(reply, problem);
}

/**
 * Only application/json is read, by the parser every JSON body shares (see `json-body.ts`);
 * a body of any other media type, or of none, is answered 415 naming what the route reads.
 */
function acceptJsonOnly(server: HttpServer): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser(JSON_MEDIA, { parseAs: "string" }, jsonBodyParser(server));
}

/** Fastify's own 415 (no parser for the media type) as the route's: naming what it reads. */
function withMediaTypes(error: unknown, request: FastifyRequest): unknown {
  if (errorCodeOf(error) !== "FST_ERR_CTP_INVALID_MEDIA_TYPE") return error;
  return unsupportedMediaType(request.routeOptions.config.accepts);
}

/**
 * Builds the HTTP API (not listening: the CLI calls `listen`). Every route but `/healthz` and
 * `/readyz` needs an API key with the route's scope. Every failure is answered with an
 * RFC 9457 problem document whose `errorId` is also in the request's log line, and the server
 * keeps serving after each.
 *
 * @example
 * const logger = createLogger({ level: "info" });
 * const server = createHttpServer({ app, config: { keys }, logger });
 * await server.listen({ port: 8080, host: "0.0.0.0" });
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const config = HttpConfig.parse(options.config);
  const server = fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    genReqId: () => uuidv7(),
    // Ids may be 200 characters (input-schema.ts), longer once percent-encoded in a path.
    routerOptions: { maxParamLength: 1000 },
    return503OnClosing: true,
  });

  server.decorateRequest("keyId", null);
  server.decorateRequest("failure", null);
  // Callback hooks rather than async ones: no promise per request on every route.
  server.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    done(null, payload);
  });
  server.addHook("onResponse", answered(options.metrics));
  server.setErrorHandler(errorHandler(config.bodyLimit));
  server.setNotFoundHandler(notFound);
  acceptJsonOnly(server);
  registerOpenApi(server);

  const context = { app: options.app, guard: createGuards(config.keys) };
  registerHealthRoutes(server, context);
  registerEventRoutes(server, context);
  registerSegmentRoutes(server, context, config.keys);
  registerCloudEventRoutes(server, context);
  registerGpcRoutes(server);
  registerSubjectRoutes(server, context);
  registerErasureRoutes(server, context);
  registerDecisionRoutes(server, context);
  if (options.trust !== undefined) registerPreferenceRoutes(server, context, options.trust);
  if (options.metrics !== undefined) {
    registerMetricsRoute(server, {
      ...context,
      metrics: options.metrics,
      access: config.metricsAccess,
    });
  }
  return server;
}
