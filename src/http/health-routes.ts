import { AppError } from "../app/errors.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

/**
 * `GET /healthz`: the process is up (no key needed; for liveness probes).
 * `GET /readyz`: the application is ready to serve (store reachable); 503 `not_ready` when not.
 * A failing readiness check is WARN: it heals itself when the store comes back.
 */
export function registerHealthRoutes(server: HttpServer, { app }: Pick<RouteContext, "app">): void {
  const health = { summary: "Liveness: the process is up", tags: ["health"] };
  server.get("/healthz", { config: { openapi: health } }, async () => ({ status: "ok" }));

  const ready = {
    summary: "Readiness: the store answers",
    tags: ["health"],
    responses: { 200: { description: "ready" }, 503: { description: "not ready (a problem)" } },
  };
  server.get("/readyz", { config: { openapi: ready } }, async (request) => {
    const ready = await app.ready().catch((error: unknown) => {
      const errorName = error instanceof Error ? error.name : typeof error;
      request.log.warn({ errorName }, "readiness check failed");
      return false;
    });
    if (!ready) {
      throw new AppError("not_ready", "the service is not ready; try again shortly");
    }
    return { status: "ready" };
  });
}
