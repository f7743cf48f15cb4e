import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type Metrics, UNMATCHED_ROUTE } from "../observability/metrics.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

/** Who may scrape `/metrics`: a key with scope `metrics` (or `admin`), or anyone. */
export type MetricsAccess = "key" | "open";

/**
 * Observes one answered request (from the server's `onResponse` hook): latency per method and
 * route pattern (never the raw URL, which holds ids), the status, and for a problem document
 * its registry code.
 */
export function observeRequest(metrics: Metrics, request: FastifyRequest, reply: FastifyReply) {
  metrics.observeRequest(
    request.method,
    request.routeOptions.url ?? UNMATCHED_ROUTE,
    reply.statusCode,
    reply.elapsedTime / 1000,
    request.failure?.code,
  );
}

/**
 * `GET /metrics`: the Prometheus text exposition. With access `key` (the default) it needs an
 * API key with scope `metrics`, which Prometheus sends as `authorization: { credentials_file }`;
 * `open` serves it to anyone who can reach the port (a scrape network of its own).
 */
export function registerMetricsRoute(
  server: HttpServer,
  context: Pick<RouteContext, "guard"> & {
    readonly metrics: Metrics;
    readonly access: MetricsAccess;
  },
): void {
  const { guard, metrics, access } = context;
  const onRequest = access === "open" ? [] : [guard("metrics")];
  const openapi = {
    summary: "Prometheus metrics: golden signals and decisions per node",
    tags: ["observability"],
    responses: {
      200: {
        description: "the Prometheus text format",
        mediaType: "text/plain",
        schema: z.string(),
      },
    },
  };
  server.get("/metrics", { onRequest, config: { openapi } }, async (_request, reply) => {
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
