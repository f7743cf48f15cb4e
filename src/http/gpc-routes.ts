import { z } from "zod";
import type { RouteDoc } from "./openapi.ts";
import type { HttpServer } from "./routes-context.ts";

const DOC: RouteDoc = {
  summary: "Global Privacy Control support resource",
  description: "States that Sec-GPC: 1 (or a GPC field on an event) is honoured as an opt-out.",
  tags: ["gpc"],
  responses: {
    200: {
      description: "GPC is honoured",
      schema: z.object({ gpc: z.literal(true), lastUpdate: z.string() }),
    },
  },
};

/**
 * The date Assent's handling of Global Privacy Control last changed, as the GPC specification's
 * site support resource reports it (`lastUpdate`, YYYY-MM-DD).
 */
export const GPC_LAST_UPDATE = "2026-12-03";

/**
 * `GET /.well-known/gpc.json` (no key): the GPC site support resource, stating that this
 * service honours the signal (`Sec-GPC: 1`, or a GPC field on events) as an opt-out of sale and
 * sharing and of cross-context targeted advertising.
 */
export function registerGpcRoutes(server: HttpServer): void {
  server.get("/.well-known/gpc.json", { config: { openapi: DOC } }, async (_request, reply) =>
    reply.type("application/json").send({ gpc: true, lastUpdate: GPC_LAST_UPDATE }),
  );
}
