import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { createTrustLinks } from "../../src/trust/links.ts";
import { sharedDataFile } from "../support/shared-data.ts";
import {
  ADMIN_SECRET,
  campaignSlot,
  openTrustWorld,
  SEEDED_PERSONAL,
  seedCustomer,
  type TrustWorld,
  WORLD_T0,
} from "../support/trust-world.ts";

/** The preference centre and RFC 8058 unsubscribe over the real application and SQLite. */

let world: TrustWorld;
const HOUR = 3_600_000;

before(async () => {
  world = await openTrustWorld();
});

after(async () => {
  await world?.close();
});

function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

/** The hidden anti-forgery field of a page. */
function csrfOf(body: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(body);
  assert.ok(match?.[1], "the page has a csrf field");
  return match[1];
}

async function openPage(subjectId: string) {
  const link = world.links.preferenceLink(subjectId, "1h");
  const response = await world.server.inject({ method: "GET", url: `/preferences/${link.token}` });
  assert.equal(response.statusCode, 200);
  return { link, body: response.body, csrf: csrfOf(response.body) };
}

function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return world.server.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

async function ledger(subjectId: string) {
  return (await world.store.consentView(subjectId)).records;
}

describe("preference centre pages", () => {
  test("a valid link shows the subject's choices with strict security headers and no cookie", async () => {
    await seedCustomer(world, "pc-1");
    const { body } = await openPage("pc-1");
    const link = world.links.preferenceLink("pc-1", "1h");
    const response = await world.server.inject({
      method: "GET",
      url: `/preferences/${link.token}`,
    });

    const csp = String(response.headers["content-security-policy"]);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.equal(response.headers["referrer-policy"], "no-referrer");
    assert.equal(response.headers["set-cookie"], undefined);
    assert.doesNotMatch(body, /<script/i);
    assert.match(body, /Category offers chosen for the customer/);
    assert.match(body, /E-mail:<\/strong> <span class="state-on">On: you agreed on 1 March 2026\./);
  });

  test("a changed token is a friendly 404 without a form; an expired one is 410 offering a new link", async () => {
    await seedCustomer(world, "pc-2");
    const link = world.links.preferenceLink("pc-2", "1h");
    const tampered = `${link.token.slice(0, -3)}${link.token.endsWith("AAA") ? "BBB" : "AAA"}`;
    const bad = await world.server.inject({ method: "GET", url: `/preferences/${tampered}` });
    assert.equal(bad.statusCode, 404);
    assert.match(bad.body, /This link does not work/);
    assert.doesNotMatch(bad.body, /<form/);

    world.clock.ms += 2 * HOUR;
    try {
      const expired = await world.server.inject({
        method: "GET",
        url: `/preferences/${link.token}`,
      });
      assert.equal(expired.statusCode, 410);
      assert.match(expired.body, /This link has expired/);
      assert.match(expired.body, /action="\/preferences\/renew"/);
      assert.equal(expired.headers["content-security-policy"]?.includes("frame-ancestors"), true);
    } finally {
      world.clock.ms = WORLD_T0;
    }
  });

  test("switching a purpose off writes a withdrawal from the preference centre and the next decision is suppressed", async () => {
    await seedCustomer(world, "pc-3");
    const { link, csrf } = await openPage("pc-3");
    const response = await postForm(`/preferences/${link.token}/choices`, {
      csrf,
      set: "marketing.campaigns:email:off",
    });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/preferences/${link.token}?saved=choice`);

    const last = (await ledger("pc-3")).at(-1);
    assert.equal(last?.kind, "withdrawal");
    assert.equal(last?.source, "preference_centre");
    assert.equal(last?.capturedAt, WORLD_T0);
    assert.equal(last?.evidence, `preference-link:${link.linkId}`);

    const [outcome] = await world.ingest([campaignSlot("pc-3-slot", "pc-3", WORLD_T0 + 1)]);
    const decision = outcome?.decisions.find((d) => d.nodeId === "category-campaign");
    assert.equal(decision?.outcome, "suppress");
    assert.equal(decision?.reason, "consent_withdrawn");

    const page = await world.server.inject({ method: "GET", url: response.headers.location });
    assert.match(page.body, /role="status">Your choice is saved/);
    assert.match(page.body, /Off: you switched this off on 2 March 2026\./);
    assert.match(page.body, /Nothing was sent because you withdrew your consent\./);
  });

  test("forged forms change nothing: no token, another link's token, another site", async () => {
    await seedCustomer(world, "pc-4");
    await seedCustomer(world, "pc-5");
    const mine = await openPage("pc-4");
    const theirs = await openPage("pc-5");
    const url = `/preferences/${mine.link.token}/choices`;
    const set = "marketing.campaigns:email:off";
    const before = (await ledger("pc-4")).length;

    const cases: {
      form: Record<string, string>;
      headers: Record<string, string>;
      status: number;
    }[] = [
      { form: { set }, headers: {}, status: 400 },
      { form: { csrf: theirs.csrf, set }, headers: {}, status: 403 },
      { form: { csrf: mine.csrf, set }, headers: { "sec-fetch-site": "cross-site" }, status: 403 },
      { form: { csrf: mine.csrf, set }, headers: { origin: "https://evil.example" }, status: 403 },
    ];
    for (const { form, headers, status } of cases) {
      const response = await postForm(url, form, headers);
      assert.equal(
        response.statusCode,
        status,
        JSON.stringify({ form: Object.keys(form), headers }),
      );
      assert.match(String(response.headers["content-type"]), /text\/html/);
    }
    // Another subject's token in the path with my page's form token: still refused.
    const swapped = await postForm(`/preferences/${theirs.link.token}/choices`, {
      csrf: mine.csrf,
      set,
    });
    assert.equal(swapped.statusCode, 403);
    assert.equal((await ledger("pc-4")).length, before);
    assert.equal((await ledger("pc-5")).length, before);
  });

  test("a choice that is not on the page or cannot be switched is refused, naming it", async () => {
    await seedCustomer(world, "pc-6");
    const { link, csrf } = await openPage("pc-6");
    const url = `/preferences/${link.token}/choices`;
    const unknown = await postForm(url, { csrf, set: "marketing.nothing:email:off" });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /no such choice/);
    const necessary = await postForm(url, { csrf, set: "service.claim_updates:sms:off" });
    assert.equal(necessary.statusCode, 409);
    const malformed = await postForm(url, { csrf, set: "off" });
    assert.equal(malformed.statusCode, 400);
    assert.equal((await ledger("pc-6")).length, 1);
  });
});

describe("erasure from the preference centre (GDPR Art. 17)", () => {
  test("only after confirmation; then the link shows that the data is gone and changes nothing", async () => {
    await seedCustomer(world, "pc-erase");
    const { link, csrf } = await openPage("pc-erase");
    const url = `/preferences/${link.token}/erase`;
    const unconfirmed = await postForm(url, { csrf });
    assert.equal(unconfirmed.statusCode, 422);
    assert.match(unconfirmed.body, /aria-invalid="true"/);
    assert.ok((await world.store.profile("pc-erase")).size > 0);

    const erased = await postForm(url, { csrf, confirm: "yes" });
    assert.equal(erased.statusCode, 200);
    assert.match(erased.body, /Your data has been erased/);
    assert.equal((await world.store.profile("pc-erase")).size, 0);
    assert.deepEqual(await world.store.eventsOf("pc-erase"), []);

    const again = await world.server.inject({ method: "GET", url: `/preferences/${link.token}` });
    assert.match(again.body, /Your data has been erased/);
    // Nor do the export and the erasure form: the page said it could not be used afterwards.
    for (const path of ["export", "erase"]) {
      const after = await world.server.inject({
        method: "GET",
        url: `${url.slice(0, -6)}/${path}`,
      });
      assert.equal(after.statusCode, 200, path);
      assert.match(String(after.headers["content-type"]), /^text\/html/, path);
      assert.match(after.body, /Your data has been erased/, path);
      assert.doesNotMatch(after.body, /name="csrf"/, path);
    }
    const choice = await postForm(`/preferences/${link.token}/choices`, {
      csrf,
      set: "marketing.campaigns:email:on",
    });
    assert.equal(choice.statusCode, 409);
    const records = (await world.store.consentView("pc-erase")).records;
    assert.ok(records.every((r) => r.kind !== "grant" || r.source !== "preference_centre"));
  });
});

describe("asking for a fresh link", () => {
  test("an expired link queues a fresh one to the channel on file; the answer never tells", async () => {
    await seedCustomer(world, "pc-7");
    const expired = world.links.preferenceLink("pc-7", "1h");
    const stranger = world.links.preferenceLink("pc-nobody", "1h");
    world.clock.ms += 2 * HOUR;
    try {
      const known = await postForm("/preferences/renew", { token: expired.token });
      const repeat = await postForm("/preferences/renew", { token: expired.token });
      assert.equal(repeat.body, known.body);
      const unknown = await postForm("/preferences/renew", { token: stranger.token });
      const junk = await postForm("/preferences/renew", { token: "v1.junk.junk" });
      assert.deepEqual(
        [known, unknown, junk].map((r) => r.statusCode),
        [202, 202, 202],
      );
      assert.equal(unknown.body, known.body);
      assert.equal(junk.body, known.body);

      const [queued, ...rest] = await world.store.deliveriesOf("pc-7");
      assert.equal(rest.length, 0);
      const payload = z
        .object({
          kind: z.literal("preference_link"),
          channel: z.literal("email"),
          url: z.string(),
        })
        .parse(JSON.parse(queued?.payload ?? "{}"));
      const fresh = world.links.readPreferenceLink(tokenOf(payload.url));
      assert.equal(fresh.status, "valid");
      assert.equal(fresh.status === "valid" && fresh.subjectId, "pc-7");
      assert.deepEqual(await world.store.deliveriesOf("pc-nobody"), []);
    } finally {
      world.clock.ms = WORLD_T0;
    }
  });

  test("operators get a link from the API with scope consent", async () => {
    const response = await world.server.inject({
      method: "POST",
      url: "/v1/subjects/pc-8/preference-link",
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    });
    assert.equal(response.statusCode, 201);
    const body = response.json();
    assert.equal(body.expiresAt, new Date(WORLD_T0 + 7 * 24 * HOUR).toISOString());
    const reading = world.links.readPreferenceLink(tokenOf(body.url));
    assert.equal(reading.status === "valid" && reading.subjectId, "pc-8");
    const refused = await world.server.inject({
      method: "POST",
      url: "/v1/subjects/pc-8/preference-link",
    });
    assert.equal(refused.statusCode, 401);
  });
});

describe("data export (GDPR Art. 15)", () => {
  test("one JSON file with profile lineage, consent evidence, explained decisions and deliveries", async () => {
    await seedCustomer(world, "pc-9");
    await world.ingest([campaignSlot("pc-9-slot", "pc-9", WORLD_T0)]);
    const { link } = await openPage("pc-9");
    const response = await world.server.inject({
      method: "GET",
      url: `/preferences/${link.token}/export`,
    });
    assert.equal(response.statusCode, 200);
    assert.match(
      String(response.headers["content-disposition"]),
      /^attachment; filename="my-data-2026-03-02\.json"$/,
    );
    const data = response.json();

    assert.equal(data.format, "assent.subject-export/v1");
    assert.equal(data.subjectId, "pc-9");
    const zip = data.profile.find((a: { attribute: string }) => a.attribute === "retail.zip_code");
    assert.deepEqual(zip, {
      attribute: "retail.zip_code",
      value: SEEDED_PERSONAL.zip,
      updatedAt: "2026-03-02T09:00:00.000Z",
      lineage: { eventId: "pc-9-profile", source: "crm" },
    });
    assert.deepEqual(
      data.events.map((e: { id: string }) => e.id),
      ["pc-9-contact", "pc-9-profile", "pc-9-slot"],
    );
    assert.equal(data.consent.records[0].evidence, "form-7");
    assert.equal(data.consent.records[0].capturedAt, "2026-03-01T09:00:00.000Z");
    const stored = await world.store.decisionsOf("pc-9", 100);
    assert.equal(data.decisions.length, stored.length);
    const campaign = data.decisions.find(
      (d: { nodeId: string }) => d.nodeId === "category-campaign",
    );
    assert.ok(campaign.explanation.length >= 4, "every step of the walk is in the explanation");
    assert.equal(typeof campaign.inPlainWords, "string");
    assert.equal(data.deliveries.length, (await world.store.deliveriesOf("pc-9")).length);
    assert.equal(data.decisionsTruncated, false);
  });
});

/** RFC 8058 receiving-endpoint cases from the shared vectors, table-driven. */
const Vectors = z.object({
  rfc8058_receiving_endpoint: z.array(
    z.object({
      name: z.string(),
      request: z.object({
        method: z.enum(["GET", "POST"]),
        url: z.string(),
        content_type: z.string().optional(),
        body: z.string().optional(),
        form_fields: z.record(z.string(), z.string()).optional(),
        cookies: z.null().optional(),
        authorization: z.null().optional(),
        repeat: z.int().optional(),
      }),
      expected: z.object({
        status_class: z.string().optional(),
        subscription_state_after: z.string().optional(),
        content_length_of_body: z.int().optional(),
        suppression_records_created: z.int().optional(),
      }),
    }),
  ),
  rfc8058_outgoing: z.array(
    z.object({
      expected: z.object({
        has_https_uri: z.boolean(),
        uri_contains_opaque_token_not_plain_address: z.boolean(),
      }),
    }),
  ),
});

const vectors = Vectors.parse(
  JSON.parse(readFileSync(sharedDataFile("unsubscribe-and-gpc-vectors.json"), "utf8")),
);

function multipart(fields: Record<string, string>) {
  const boundary = "----assent-test-boundary";
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    payload: `${parts.join("")}--${boundary}--\r\n`,
  };
}

type Case = z.infer<typeof Vectors>["rfc8058_receiving_endpoint"][number];

function send(request: Case["request"], url: string) {
  if (request.method === "GET") return world.server.inject({ method: "GET", url });
  if (request.form_fields !== undefined) {
    const { contentType, payload } = multipart(request.form_fields);
    return world.server.inject({
      method: "POST",
      url,
      headers: { "content-type": contentType },
      payload,
    });
  }
  const headers = { "content-type": request.content_type ?? "application/x-www-form-urlencoded" };
  return world.server.inject({ method: "POST", url, headers, payload: request.body ?? "" });
}

async function unsubscribedCount(subjectId: string): Promise<number> {
  const view = await world.store.consentView(subjectId);
  return view.suppressions.filter((s) => s.reason === "unsubscribed").length;
}

describe("one-click unsubscribe (RFC 8058), cases from the shared vectors", () => {
  vectors.rfc8058_receiving_endpoint.forEach((vector, index) => {
    test(vector.name, async () => {
      const subjectId = `unsub-${index}`;
      await seedCustomer(world, subjectId);
      const real = world.links.unsubscribeUrl(subjectId);
      // The vector's token stands for ours; its BOGUS token for one we never issued.
      const bogus = vector.request.url.includes("BOGUS");
      const path = new URL(real).pathname;
      const url = bogus ? `${path.slice(0, path.lastIndexOf("/"))}/v1.bogus.token` : path;
      if (
        vector.request.body !== undefined &&
        vector.expected.content_length_of_body !== undefined
      ) {
        assert.equal(
          Buffer.byteLength(vector.request.body),
          vector.expected.content_length_of_body,
        );
      }

      const responses = [];
      for (let n = 0; n < (vector.request.repeat ?? 1); n++) {
        responses.push(await send(vector.request, url));
      }
      const status = vector.expected.status_class;
      for (const response of responses) {
        if (status !== undefined) assert.equal(`${String(response.statusCode)[0]}xx`, status);
        assert.equal(response.headers["set-cookie"], undefined);
      }
      const count = await unsubscribedCount(subjectId);
      const after = vector.expected.subscription_state_after;
      if (after !== undefined) {
        assert.equal(count, after === "unsubscribed" ? 1 : 0, `state after: ${after}`);
      }
      if (vector.expected.suppression_records_created !== undefined) {
        assert.equal(count, vector.expected.suppression_records_created);
      }
      if (vector.request.method === "GET") {
        assert.match(responses[0]?.body ?? "", /<form method="post" action="\/unsubscribe\/v1\./);
        assert.match(responses[0]?.body ?? "", /<button type="submit">Unsubscribe<\/button>/);
      }
    });
  });

  test("the unsubscribe is an event with its source and time, and it suppresses campaign e-mail", async () => {
    await seedCustomer(world, "unsub-ledger");
    const path = new URL(world.links.unsubscribeUrl("unsub-ledger")).pathname;
    await send({ method: "POST", url: path, body: "List-Unsubscribe=One-Click" }, path);
    const [suppression] = (await world.store.consentView("unsub-ledger")).suppressions;
    assert.equal(suppression?.since, WORLD_T0);
    assert.equal(suppression?.channel, "email");
    const events = await world.store.eventsOf("unsub-ledger");
    const signal = events.find((e) => e.type === "suppression.recorded");
    assert.equal(signal?.source, "one_click_unsubscribe");
    assert.equal(suppression?.id, `suppression/${signal?.id}`);
    const [outcome] = await world.ingest([
      campaignSlot("unsub-slot", "unsub-ledger", WORLD_T0 + 1),
    ]);
    assert.equal(outcome?.decisions[0]?.reason, "suppressed_globally");
  });

  test("once unsubscribed, the preference centre says since when instead of offering the button", async () => {
    await seedCustomer(world, "unsub-page");
    const before = await openPage("unsub-page");
    assert.match(before.body, /action="[^"]+\/unsubscribe"/);
    const path = new URL(world.links.unsubscribeUrl("unsub-page")).pathname;
    await send({ method: "POST", url: path, body: "List-Unsubscribe=One-Click" }, path);
    const after = await openPage("unsub-page");
    assert.doesNotMatch(after.body, /action="[^"]+\/unsubscribe"/);
    assert.doesNotMatch(after.body, /Unsubscribe from marketing e-mail/);
    // WORLD_T0 is 2 March 2026, 10:00 UTC (the day the page shows for the unsubscribe).
    assert.match(after.body, /You unsubscribed from all marketing e-mail on 2 March 2026\./);
  });

  test("a POST without the one-click body changes nothing", async () => {
    await seedCustomer(world, "unsub-empty");
    const path = new URL(world.links.unsubscribeUrl("unsub-empty")).pathname;
    const response = await send(
      { method: "POST", url: path, body: "List-Unsubscribe=Maybe" },
      path,
    );
    assert.equal(response.statusCode, 400);
    assert.equal(await unsubscribedCount("unsub-empty"), 0);
  });

  test("our List-Unsubscribe URLs meet the outgoing vector: https with an opaque token", () => {
    const httpsLinks = createTrustLinks({
      secret: "another-secret-of-at-least-32-characters!",
      publicUrl: "https://mail.example.test",
    });
    const url = httpsLinks.unsubscribeUrl("ada.lovelace@example.test");
    for (const { expected } of vectors.rfc8058_outgoing) {
      assert.equal(url.startsWith("https://"), expected.has_https_uri);
      assert.equal(
        !url.includes("ada.lovelace"),
        expected.uri_contains_opaque_token_not_plain_address,
      );
    }
  });
});

describe("logs", () => {
  test("no personal data and no link token reach a log line", () => {
    const text = world.logLines.join("\n");
    assert.ok(world.logLines.length > 0);
    assert.ok(!text.includes(SEEDED_PERSONAL.zip), "profile values are not logged");
    assert.doesNotMatch(text, /v1\.[A-Za-z0-9_-]{20,}\./, "no token is logged");
  });
});
