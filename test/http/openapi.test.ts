import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { z } from "zod";
import { createApp } from "../../src/app/app.ts";
import { type CollectedRoute, openApiPath } from "../../src/http/openapi.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import { ListQuery } from "../../src/http/subject-routes.ts";
import { ConsentInput, EventInput } from "../../src/ingest/input-schema.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createTrustLinks } from "../../src/trust/links.ts";
import { createTrustService } from "../../src/trust/trust-service.ts";
import { KEYS } from "./support.ts";

/**
 * The OpenAPI document the server generates: valid OpenAPI 3.1 by an independent parser, with an
 * operation for every route the server registered (as its `onRoute` hook saw them, so a route
 * added later by anyone is checked too), and built from the zod schemas the routes parse with.
 */

const root = mkdtempSync(join(tmpdir(), "assent-openapi-"));
let store: Store;
let server: HttpServer;
let document: OpenApi;
let raw: OpenAPIV3_1.Document;

interface OpenApi {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
}

interface Operation {
  readonly summary: string;
  readonly description?: string;
  readonly parameters: readonly { name: string; in: string; required: boolean; schema: object }[];
  readonly requestBody?: { content: Record<string, { schema: object }> };
  readonly security: readonly object[];
}

/** The server with every optional part switched on, so that every route is registered. */
async function fullServer(): Promise<HttpServer> {
  store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  const deployment = loadDeploymentFromDir("examples");
  const clock = () => Date.parse("2026-03-02T10:00:00Z");
  const app = createApp({ store, deployment, clock });
  const publicUrl = "http://127.0.0.1:3000";
  const links = createTrustLinks({ secret: "an-openapi-test-link-secret-0123456789", publicUrl });
  const targets = [{ connector: "file", recipient: "outbox" }];
  const newId = () => "id";
  const trust = createTrustService({ app, store, deployment, links, clock, newId, targets });
  const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
  const logger = createLogger({ level: "silent" });
  const metrics = createMetrics({ runtime: false });
  return createHttpServer({ app, config: { keys }, logger, trust, metrics });
}

before(async () => {
  server = await fullServer();
  await server.ready();
  const response = await server.inject({ method: "GET", url: "/docs/json" });
  assert.equal(response.statusCode, 200);
  document = response.json();
  raw = response.json();
});

after(async () => {
  await server.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

/** Routes a client calls: not fastify's HEAD echo of a GET, not the docs page's own assets. */
function apiRoutes(): { route: CollectedRoute; method: string }[] {
  return server.openApiRoutes
    .filter((route) => !route.hidden)
    .flatMap((route) => route.methods.map((method) => ({ route, method })))
    .filter(({ method }) => method !== "HEAD");
}

function operation(method: string, path: string): Operation {
  const found = document.paths[path]?.[method];
  assert.ok(found !== undefined, `${method.toUpperCase()} ${path} is in the document`);
  return found;
}

const withoutDialect = (schema: z.ZodType) => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: "input" });
  return json;
};

describe("the OpenAPI document", () => {
  test("is valid OpenAPI 3.1 by @readme/openapi-parser", async () => {
    assert.equal(document.openapi, "3.1.0");
    const result = await validate(raw);
    assert.ok(result.valid, result.valid ? "" : compileErrors(result));
  });

  test("has an operation for every registered route", () => {
    const routes = apiRoutes();
    assert.ok(routes.length >= 10, `found ${routes.length} routes`);
    for (const { route, method } of routes) operation(method.toLowerCase(), openApiPath(route.url));
  });

  test("every registered route describes itself (config.openapi, see src/http/openapi.ts)", () => {
    const undescribed = apiRoutes()
      .filter(({ route }) => route.doc === undefined)
      .map(({ route, method }) => `${method} ${route.url}`);
    assert.deepEqual(undescribed, [], `routes without a description: ${undescribed.join(", ")}`);
  });

  test("only the docs page's own routes are hidden", () => {
    const hidden = server.openApiRoutes.filter((route) => route.hidden);
    assert.ok(hidden.length > 0);
    for (const route of hidden) assert.match(route.url, /^\/docs(\/|$)/);
  });

  test("request bodies are the JSON Schemas of the zod schemas the routes parse with", () => {
    const consent = operation("post", "/v1/subjects/{subjectId}/consent");
    const body = consent.requestBody?.content["application/json"]?.schema;
    assert.deepEqual(body, withoutDialect(ConsentInput));

    const decide = operation("post", "/v1/decide");
    assert.deepEqual(
      decide.requestBody?.content["application/json"]?.schema,
      withoutDialect(EventInput),
    );
  });

  test("path and query parameters come from the same schemas", () => {
    const decisions = operation("get", "/v1/subjects/{subjectId}/decisions");
    const byName = new Map(decisions.parameters.map((parameter) => [parameter.name, parameter]));
    assert.equal(byName.get("subjectId")?.in, "path");
    assert.equal(byName.get("subjectId")?.required, true);
    const limit = byName.get("limit");
    assert.equal(limit?.in, "query");
    assert.equal(limit?.required, false, "limit has a default");
    assert.deepEqual(limit?.schema, withoutDialect(ListQuery.shape.limit));
  });

  test("routes behind a key name their scope; health checks need none", () => {
    const events = operation("post", "/v1/events");
    assert.deepEqual(events.security, [{ apiKey: [] }]);
    assert.match(events.description ?? "", /scope ingest/);
    const consent = operation("get", "/v1/subjects/{subjectId}/consent");
    assert.match(consent.description ?? "", /scope read or consent/);
    assert.deepEqual(operation("get", "/healthz").security, []);
  });
});

describe("the docs page", () => {
  test("/docs is an HTML page a person reads, loading the document", async () => {
    const page = await server.inject({ method: "GET", url: "/docs" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /text\/html/);
    assert.match(page.body, /swagger-ui/);
    const init = await server.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /json/);
  });

  test("the YAML form holds the same paths", async () => {
    const yaml = await server.inject({ method: "GET", url: "/docs/yaml" });
    assert.equal(yaml.statusCode, 200);
    for (const path of Object.keys(document.paths)) assert.ok(yaml.body.includes(path), path);
  });
});
