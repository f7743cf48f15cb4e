import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { RouteOptions } from "fastify";
import { z } from "zod";
import type { HttpServer } from "./routes-context.ts";

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the routes
 * validate with, served as JSON at `/docs/json` (and YAML at `/docs/yaml`) and as a page a
 * person reads at `/docs`.
 *
 * A route describes itself in its options, next to the schemas it parses with:
 *
 * ```ts
 * server.post("/v1/things/:thingId", {
 *   onRequest: guard("ingest"),
 *   config: { openapi: { summary: "Store a thing", tags: ["things"], params: ThingParams,
 *     body: ThingInput, responses: { 201: { description: "the stored thing" } } } },
 * }, async (request) => { const input = parseInput(ThingInput, request.body, "thing"); … });
 * ```
 *
 * Every route is collected (an `onRoute` hook) and appears in the document; one without
 * `config.openapi` appears as not described, and the OpenAPI test fails until it is.
 */
export interface RouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Path parameters (`:subjectId`); each is a string unless the schema says otherwise. */
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The request media type when it is not `application/json`. */
  readonly bodyMediaType?: string;
  /** Answers other than problem documents, by status. */
  readonly responses?: Readonly<Record<number, ResponseDoc>>;
  /** How failures are answered: problem documents (the API), or HTML pages (the subject's). */
  readonly failures?: "problem" | "page";
}

export interface ResponseDoc {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** `application/json` unless given. */
  readonly mediaType?: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** How the route appears in the OpenAPI document (`src/http/openapi.ts`). */
    readonly openapi?: RouteDoc;
  }
  interface FastifyInstance {
    /** Every route added after `registerOpenApi`, as its `onRoute` hook saw it. */
    readonly openApiRoutes: readonly CollectedRoute[];
  }
}

/** A route as the `onRoute` hook saw it. */
export interface CollectedRoute {
  readonly methods: readonly string[];
  readonly url: string;
  readonly doc: RouteDoc | undefined;
  readonly scopes: readonly string[] | undefined;
  /** Set by routes kept out of the document (the docs page's own assets). */
  readonly hidden: boolean;
}

/** The RFC 9457 problem document every failure is answered with (`problems.ts`). */
const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string().describe("a code from the error registry (src/app/errors.ts)"),
  errorId: z.string().describe("also in the request's log line"),
  errors: z
    .array(z.object({ pointer: z.string(), detail: z.string() }))
    .describe("one entry per bad field, with a JSON pointer into the request"),
});

const FAILURE_PROBLEM = {
  description: "An RFC 9457 problem document naming the error code and every bad field",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

const FAILURE_PAGE = {
  description: "An HTML page saying what went wrong, with the error id",
  content: { "text/html": { schema: { type: "string" } } },
};

const NOT_DESCRIBED = "not described: give the route config.openapi (src/http/openapi.ts)";

/**
 * Collects every route added after this call and serves the document and the page. Call it
 * before registering routes; the document is complete once the server is ready.
 *
 * @example
 * registerOpenApi(server);
 * registerEventRoutes(server, context); // … every route after
 */
export function registerOpenApi(server: HttpServer): void {
  const routes: CollectedRoute[] = [];
  server.decorate("openApiRoutes", routes);
  server.addHook("onRoute", (route) => {
    routes.push(collect(route));
  });
  const document = emptyDocument();
  server.addHook("onReady", async () => {
    Object.assign(document.paths, pathsOf(routes));
  });
  // Static mode serves `document` as built above: fastify/swagger's own route collection starts
  // only once the plugin loads, after the routes that createHttpServer adds synchronously.
  server.register(swagger, { mode: "static", specification: { document } });
  server.register(swaggerUi, { routePrefix: "/docs" });
}

function collect(route: RouteOptions): CollectedRoute {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const schema: unknown = route.schema;
  const hidden =
    typeof schema === "object" && schema !== null && Reflect.get(schema, "hide") === true;
  return { methods, url: route.url, doc: route.config?.openapi, scopes: scopesOf(route), hidden };
}

/** The scopes of the route's key guard (`auth.ts`), if it has one. */
function scopesOf(route: RouteOptions): readonly string[] | undefined {
  const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat();
  for (const hook of hooks) {
    const scopes: unknown = Reflect.get(hook, "scopes");
    if (Array.isArray(scopes)) return scopes.map(String);
  }
  return undefined;
}

interface OpenApiDocument {
  readonly openapi: "3.1.0";
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: Record<string, unknown>;
}

function emptyDocument(): OpenApiDocument {
  const packageJson: unknown = JSON.parse(
    readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
  );
  const version: unknown = Reflect.get(Object(packageJson), "version");
  return {
    openapi: "3.1.0",
    info: {
      title: "Assent",
      version: typeof version === "string" ? version : "0.0.0",
      description:
        "Consent-first decisions for CRM. Errors are RFC 9457 problem documents with a registry code.",
    },
    paths: {},
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An API key from the keys file, sent as Authorization: Bearer <secret>",
        },
      },
      schemas: { Problem: jsonSchema(Problem, "output") },
    },
  };
}

/** HEAD routes are fastify's echo of GET ones; hidden routes are the docs page's assets. */
function pathsOf(routes: readonly CollectedRoute[]): OpenApiDocument["paths"] {
  const paths: OpenApiDocument["paths"] = {};
  for (const route of routes) {
    if (route.hidden) continue;
    const path = openApiPath(route.url);
    for (const method of route.methods) {
      if (method === "HEAD") continue;
      paths[path] = { ...paths[path], [method.toLowerCase()]: operationOf(route) };
    }
  }
  return paths;
}

/**
 * `/v1/subjects/:subjectId` → `/v1/subjects/{subjectId}`; a trailing `*` → `{wildcard}`.
 *
 * @example openApiPath("/v1/decisions/:decisionId") // "/v1/decisions/{decisionId}"
 */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*$/, "{wildcard}");
}

function pathParameterNames(url: string): string[] {
  return [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? "");
}

function operationOf(route: CollectedRoute): Record<string, unknown> {
  const { doc, scopes } = route;
  const guarded = scopes === undefined ? "" : `Needs an API key with scope ${scopes.join(" or ")}.`;
  const words = [doc?.description, guarded].filter((text) => text !== undefined && text !== "");
  return {
    summary: doc?.summary ?? NOT_DESCRIBED,
    ...(words.length === 0 ? {} : { description: words.join("\n\n") }),
    ...(doc?.tags === undefined ? {} : { tags: [...doc.tags] }),
    parameters: [...pathParameters(route), ...queryParameters(doc?.query)],
    ...(doc?.body === undefined ? {} : { requestBody: requestBodyOf(doc) }),
    responses: responsesOf(doc),
    security: scopes === undefined ? [] : [{ apiKey: [] }],
  };
}

function pathParameters(route: CollectedRoute): Record<string, unknown>[] {
  const shape = route.doc?.params?.shape ?? {};
  return pathParameterNames(route.url).map((name) => {
    const schema = shape[name];
    return {
      name,
      in: "path",
      required: true,
      schema: schema === undefined ? { type: "string" } : jsonSchema(schema),
    };
  });
}

function queryParameters(query: z.ZodObject | undefined): Record<string, unknown>[] {
  if (query === undefined) return [];
  return Object.entries(query.shape).map(([name, schema]) => {
    const json = jsonSchema(schema);
    const description = Reflect.get(json, "description");
    return {
      name,
      in: "query",
      required: !schema.safeParse(undefined).success,
      schema: json,
      ...(typeof description === "string" ? { description } : {}),
    };
  });
}

function requestBodyOf(doc: RouteDoc): Record<string, unknown> {
  const mediaType = doc.bodyMediaType ?? "application/json";
  const schema = doc.body === undefined ? {} : jsonSchema(doc.body);
  return { required: true, content: { [mediaType]: { schema } } };
}

function responsesOf(doc: RouteDoc | undefined): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(
    doc?.responses ?? { 200: { description: "OK" } },
  )) {
    const content =
      response.schema === undefined
        ? {}
        : {
            [response.mediaType ?? "application/json"]: {
              schema: jsonSchema(response.schema, "output"),
            },
          };
    responses[status] = { description: response.description, ...contentOf(content) };
  }
  responses.default = doc?.failures === "page" ? FAILURE_PAGE : FAILURE_PROBLEM;
  return responses;
}

function contentOf(content: Record<string, unknown>) {
  return Object.keys(content).length === 0 ? {} : { content };
}

/**
 * JSON Schema 2020-12 (OpenAPI 3.1's dialect). Requests are described as a client sends them
 * (a field with a default is optional), responses as the server answers.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return json;
}
