import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import { AppError, ERROR_CODES, type ErrorCode } from "../app/errors.ts";
import { SubjectId } from "../ingest/subject-id.ts";
import { SECURITY_HEADERS, STYLESHEET_PATH } from "../trust/html.ts";
import type { PreferenceLinkReading } from "../trust/links.ts";
import {
  erasedPage,
  erasePage,
  errorPage,
  linkProblemPage,
  preferencePage,
  renewRequestedPage,
  unsubscribedPage,
  unsubscribePage,
} from "../trust/pages.ts";
import { STYLESHEET } from "../trust/styles.ts";
import type { TrustService } from "../trust/trust-service.ts";
import { parseInput } from "./field-problems.ts";
import type { RouteDoc } from "./openapi.ts";
import { classify } from "./problems.ts";
import type { HttpServer, RouteContext } from "./routes-context.ts";

/** Forms are small: a token, a choice, a box. */
const FORM_BODY_LIMIT = 16_384;

const TokenParams = z.object({ token: z.string().min(1).max(2048) });
const CsrfForm = z.object({ csrf: z.string().min(1).max(200) });
const ChoiceForm = CsrfForm.extend({
  set: z
    .string()
    .regex(/^[^:]+:[a-z_]+:(on|off)$/, "purpose:channel:on or purpose:channel:off")
    .max(200),
});
const EraseForm = CsrfForm.extend({ confirm: z.literal("yes").optional() });
const RenewForm = z.object({ token: z.string().max(2048) });
const PageQuery = z.object({ saved: z.string().optional() });
const OneClick = z.object({ "List-Unsubscribe": z.literal("One-Click") });

const FORM = "application/x-www-form-urlencoded";
const PAGE = (description: string) => ({ description, mediaType: "text/html", schema: z.string() });
const SEE_OTHER = { description: "back to the preference centre, showing the change" };

/** How each route appears in the OpenAPI document (`openapi.ts`). */
const DOCS = {
  link: {
    summary: "A signed link to the subject's preference centre, and their unsubscribe URL",
    tags: ["preference centre"],
    responses: { 201: { description: "the link, when it expires and the unsubscribe URL" } },
  },
  stylesheet: {
    summary: "The stylesheet of the subject's pages",
    tags: ["preference centre"],
    responses: { 200: { description: "CSS", mediaType: "text/css", schema: z.string() } },
    failures: "page",
  },
  page: {
    summary: "The preference centre of the link's subject",
    tags: ["preference centre"],
    params: TokenParams,
    query: PageQuery,
    responses: { 200: PAGE("consents per purpose and channel, and recent decisions") },
    failures: "page",
  },
  choices: {
    summary: "Switch one purpose and channel on or off",
    tags: ["preference centre"],
    params: TokenParams,
    body: ChoiceForm,
    bodyMediaType: FORM,
    responses: { 303: SEE_OTHER },
    failures: "page",
  },
  unsubscribe: {
    summary: "Unsubscribe from marketing e-mail",
    tags: ["preference centre"],
    params: TokenParams,
    body: CsrfForm,
    bodyMediaType: FORM,
    responses: { 303: SEE_OTHER },
    failures: "page",
  },
  export: {
    summary: "Download the subject's data (GDPR Art. 15)",
    tags: ["preference centre"],
    params: TokenParams,
    responses: { 200: { description: "the subject's data as a JSON file" } },
    failures: "page",
  },
  erasePage: {
    summary: "The erasure page: what erasing means, and a confirmation box",
    tags: ["preference centre"],
    params: TokenParams,
    responses: { 200: PAGE("the erasure form") },
    failures: "page",
  },
  erase: {
    summary: "Erase the subject's data (GDPR Art. 17)",
    tags: ["preference centre"],
    params: TokenParams,
    body: EraseForm,
    bodyMediaType: FORM,
    responses: { 200: PAGE("erased"), 422: PAGE("the box was not ticked") },
    failures: "page",
  },
  renew: {
    summary: "Ask for a fresh link in place of an expired one",
    tags: ["preference centre"],
    body: RenewForm,
    bodyMediaType: FORM,
    responses: { 202: PAGE("a fresh link is on its way, if the old one was ours") },
    failures: "page",
  },
  unsubscribePage: {
    summary: "The one-click unsubscribe page (RFC 8058): changes nothing",
    tags: ["unsubscribe"],
    params: TokenParams,
    responses: { 200: PAGE("a button to unsubscribe") },
    failures: "page",
  },
  oneClick: {
    summary: "One-click unsubscribe (RFC 8058), as mail clients post it",
    tags: ["unsubscribe"],
    params: TokenParams,
    body: OneClick,
    bodyMediaType: FORM,
    responses: { 200: PAGE("unsubscribed") },
    failures: "page",
  },
} as const satisfies Readonly<Record<string, RouteDoc>>;

const NOTICES: Readonly<Record<string, string>> = {
  choice: "Your choice is saved and applies from now on.",
  unsubscribed: "You are unsubscribed from marketing e-mail.",
};

/** A link that is expired or was not issued here: answered with a friendly page, not an error. */
class LinkProblem extends Error {
  override readonly name = "LinkProblem";
  constructor(
    readonly reading: Exclude<PreferenceLinkReading, { status: "valid" }>,
    readonly token: string,
  ) {
    super(`preference link ${reading.status}`);
  }
}

type ValidLink = Extract<PreferenceLinkReading, { status: "valid" }> & { readonly token: string };

/** What the routes need: the trust service and the public origin forms must come from. */
interface PreferenceRouteContext extends RouteContext {
  readonly trust: TrustService;
  /** `https://host[:port]` of the public URL: a form posted from any other origin is refused. */
  readonly publicOrigin: string;
}

/**
 * The subject-facing pages (HTML, no script, no cookies), in their own encapsulated scope that
 * parses forms (`application/x-www-form-urlencoded`, and `multipart/form-data` for one-click
 * unsubscribes) and answers failures with HTML pages:
 *
 * - `GET /preferences/:token`: the preference centre of the link's subject;
 * - `POST /preferences/:token/choices`, `…/unsubscribe`, `…/erase`: changes, each with the
 *   anti-forgery token and a same-origin check; `GET …/export` downloads the data (Art. 15);
 * - `POST /preferences/renew`: asks for a fresh link with an expired one;
 * - `GET, POST /unsubscribe/:token`: RFC 8058 (GET changes nothing, POST unsubscribes);
 * - `POST /v1/subjects/:subjectId/preference-link` (scope consent): a link for operators.
 */
export function registerPreferenceRoutes(
  server: HttpServer,
  base: RouteContext,
  trust: TrustService,
): void {
  const context = { ...base, trust, publicOrigin: new URL(trust.links.publicUrl).origin };
  registerOperatorRoute(server, context);
  server.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
    await scope.register(multipart, {
      attachFieldsToBody: "keyValues",
      limits: { fields: 10, fieldSize: 1024, files: 0, parts: 10 },
    });
    scope.addHook("onSend", async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });
    scope.setErrorHandler(htmlErrors);
    scope.get(STYLESHEET_PATH, { config: { openapi: DOCS.stylesheet } }, async (_request, reply) =>
      reply.type("text/css; charset=utf-8").send(STYLESHEET),
    );
    registerPageRoutes(scope, context);
    registerUnsubscribeRoutes(scope, context.trust);
  });
}

function registerOperatorRoute(server: HttpServer, { trust, guard }: PreferenceRouteContext) {
  const Params = z.object({ subjectId: SubjectId });
  server.post(
    "/v1/subjects/:subjectId/preference-link",
    { onRequest: guard("consent"), config: { openapi: { ...DOCS.link, params: Params } } },
    async (request, reply) => {
      const { subjectId } = parseInput(Params, request.params, "path");
      const link = trust.issueLink(subjectId);
      return reply.code(201).send({
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        unsubscribeUrl: trust.links.unsubscribeUrl(subjectId),
      });
    },
  );
}

function registerPageRoutes(scope: FastifyInstance, context: PreferenceRouteContext): void {
  const { trust } = context;
  const html = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).type("text/html; charset=utf-8").send(body);

  scope.get("/preferences/:token", { config: { openapi: DOCS.page } }, async (request, reply) => {
    const link = validLink(trust, request);
    const { saved } = parseInput(PageQuery, request.query, "query");
    const data = await trust.page(link.subjectId);
    if (data.erasedAt !== undefined) return html(reply, erasedPage());
    const notice = saved === undefined ? undefined : NOTICES[saved];
    return html(reply, preferencePage(data, pageContext(trust, link, notice)));
  });

  const choices = { config: { openapi: DOCS.choices } };
  scope.post("/preferences/:token/choices", choices, async (request, reply) => {
    const link = formLink(context, request);
    const { set } = parseInput(ChoiceForm, request.body, "form");
    const [purpose = "", channel = "", verb] = set.split(":");
    await trust.setChoice(link.subjectId, { purpose, channel, on: verb === "on" }, link.linkId);
    return reply.redirect(`/preferences/${link.token}?saved=choice`, 303);
  });

  const unsubscribe = { config: { openapi: DOCS.unsubscribe } };
  scope.post("/preferences/:token/unsubscribe", unsubscribe, async (request, reply) => {
    const link = formLink(context, request);
    await trust.unsubscribe(link.subjectId);
    return reply.redirect(`/preferences/${link.token}?saved=unsubscribed`, 303);
  });

  const exportRoute = { config: { openapi: DOCS.export } };
  scope.get("/preferences/:token/export", exportRoute, async (request, reply) => {
    const link = validLink(trust, request);
    // The link's page says it can no longer be used once the data is erased; so does this.
    if ((await trust.erasedAt(link.subjectId)) !== undefined) return html(reply, erasedPage());
    const data = await trust.exportData(link.subjectId);
    const day = data.generatedAt.slice(0, 10);
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", `attachment; filename="my-data-${day}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  const erasePageRoute = { config: { openapi: DOCS.erasePage } };
  scope.get("/preferences/:token/erase", erasePageRoute, async (request, reply) => {
    const link = validLink(trust, request);
    if ((await trust.erasedAt(link.subjectId)) !== undefined) return html(reply, erasedPage());
    return html(reply, erasePage(pageContext(trust, link)));
  });

  const eraseRoute = { config: { openapi: DOCS.erase } };
  scope.post("/preferences/:token/erase", eraseRoute, async (request, reply) => {
    const link = formLink(context, request);
    const { confirm } = parseInput(EraseForm, request.body, "form");
    if (confirm !== "yes") return html(reply, erasePage(pageContext(trust, link), true), 422);
    await trust.erase(link.subjectId);
    return html(reply, erasedPage());
  });

  scope.post("/preferences/renew", { config: { openapi: DOCS.renew } }, async (request, reply) => {
    checkSameOrigin(request, context.publicOrigin);
    const { token } = parseInput(RenewForm, request.body, "form");
    const reading = trust.links.readPreferenceLink(token);
    // Only a link this service issued names a subject; the answer is the same either way.
    if (reading.status !== "tampered") {
      await trust.requestFreshLink(reading.subjectId, reading.linkId);
    }
    return html(reply, renewRequestedPage(), 202);
  });
}

function registerUnsubscribeRoutes(scope: FastifyInstance, trust: TrustService): void {
  const subjectOf = (request: FastifyRequest) => {
    const { token } = parseInput(TokenParams, request.params, "path");
    const reading = trust.links.readUnsubscribeToken(token);
    if (reading.status !== "valid") {
      throw new AppError("not_found", "this unsubscribe link was not issued by us");
    }
    return { subjectId: reading.subjectId, token };
  };

  const page = { config: { openapi: DOCS.unsubscribePage } };
  scope.get("/unsubscribe/:token", page, async (request, reply) => {
    const { subjectId, token } = subjectOf(request);
    const done = await trust.isUnsubscribed(subjectId);
    const body = unsubscribePage(`${trust.links.paths.unsubscribe}${token}`, done);
    return reply.type("text/html; charset=utf-8").send(body);
  });

  // RFC 8058 section 3.2: no cookie, no login, no confirmation; the body names the one click.
  scope.post(
    "/unsubscribe/:token",
    { config: { openapi: DOCS.oneClick } },
    async (request, reply) => {
      const { subjectId } = subjectOf(request);
      parseInput(OneClick, request.body, "form");
      await trust.unsubscribe(subjectId);
      return reply.type("text/html; charset=utf-8").send(unsubscribedPage());
    },
  );
}

function validLink(trust: TrustService, request: FastifyRequest): ValidLink {
  const { token } = parseInput(TokenParams, request.params, "path");
  const reading = trust.links.readPreferenceLink(token);
  if (reading.status !== "valid") throw new LinkProblem(reading, token);
  return { ...reading, token };
}

/** A valid link, a form from our own origin, and the anti-forgery token of this link. */
function formLink(context: PreferenceRouteContext, request: FastifyRequest): ValidLink {
  const link = validLink(context.trust, request);
  checkSameOrigin(request, context.publicOrigin);
  const { csrf } = parseInput(CsrfForm, request.body, "form");
  if (!context.trust.links.checkFormToken(csrf, link.linkId, link.subjectId)) {
    throw new AppError("forbidden", "the form's anti-forgery token does not match this link", [
      { pointer: "/csrf", expected: "the token of the page this form came from" },
    ]);
  }
  return link;
}

/**
 * Fetch metadata and Origin: a browser tells which site a form came from. Anything but our own
 * origin is refused; a request no browser marked (a test client, curl) relies on the token alone.
 * Under `Referrer-Policy: no-referrer` browsers send `Origin: null` for our own forms, so null
 * passes only when Fetch Metadata vouches for the same origin.
 */
function checkSameOrigin(request: FastifyRequest, publicOrigin: string): void {
  const site = request.headers["sec-fetch-site"];
  const origin = request.headers.origin;
  const sameSite = site === undefined || site === "same-origin" || site === "none";
  const nullOk = site === "same-origin" && origin === "null";
  const originOk = origin === undefined || origin === publicOrigin || nullOk;
  if (!sameSite || !originOk) {
    throw new AppError("forbidden", "forms on this page are accepted only from this site");
  }
}

function pageContext(trust: TrustService, link: ValidLink, notice?: string) {
  return {
    base: `/preferences/${link.token}`,
    csrf: trust.links.formToken(link.linkId, link.subjectId),
    expiresAt: link.expiresAt.getTime(),
    ...(notice === undefined ? {} : { notice }),
  };
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  not_ready: "Not available yet",
  forbidden: "This form could not be accepted",
  not_found: "This link does not work",
  conflict: "This cannot be changed here",
  internal: "Something went wrong on our side",
};

/** Failures as pages: expired and tampered links get their own; the rest an error page. */
function htmlErrors(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  reply.type("text/html; charset=utf-8");
  if (error instanceof LinkProblem) {
    const expired = error.reading.status === "expired";
    const body = linkProblemPage(error.reading.status, expired ? error.token : undefined);
    return reply.code(expired ? 410 : 404).send(body);
  }
  const classified = classify(error, FORM_BODY_LIMIT);
  const errorId = uuidv7();
  request.failure = { code: classified.code, errorId };
  const title = TITLES[classified.code] ?? "Something in the request was not right";
  return reply
    .code(ERROR_CODES[classified.code].status)
    .send(errorPage(title, `${classified.detail}.`, errorId));
}
