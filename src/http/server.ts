import fastify, {
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseHookHandler,
} from "fastify";
import { v7 as uuidv7 } from "uuid";
import type { AssentApp } from "../app/assent-app.ts";
import { AppError } from "../app/errors.ts";
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
import { malformedJson } from "./json-body.ts";
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
    const problem = problemOf(classify(error, bodyLimit), uuidv7());
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
 * An empty body reads as "no body" (a POST to approve needs none); anything else goes through
 * fastify's JSON parser, which refuses prototype poisoning; a refusal says where the syntax
 * breaks or that a poisoning key was found (see `json-body.ts`). Only application/json is
 * accepted: any other media type is answered 415.
 */
function acceptJsonOnly(server: HttpServer): void {
  const parseJson = server.getDefaultJsonParser("error", "error");
  server.removeAllContentTypeParsers();
  server.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const encoding = request.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      done(encodedBody(encoding));
      return;
    }
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, parsed) => {
      if (errorCodeOf(error) === "FST_ERR_CTP_INVALID_JSON_BODY") done(malformedJson(text));
      else done(error, parsed);
    });
  });
}

/** A compressed body is not read (no decompression bombs); the client is told to send it plain. */
function encodedBody(encoding: string): AppError {
  const named = /^[\w.-]{1,32}$/.test(encoding) ? encoding : "other than identity";
  const detail = `a body with Content-Encoding ${named} is not accepted; send it uncompressed`;
  return new AppError("unsupported_media_type", detail, [
    { pointer: "", expected: "no Content-Encoding, or identity" },
  ]);
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
