import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { createApp } from "../../src/app/app.ts";
import type { EventInput } from "../../src/ingest/input-schema.ts";
import { listUnsubscribeHeaders, ONE_CLICK } from "../../src/outbox/list-unsubscribe.ts";
import { createWebhookConnector } from "../../src/outbox/webhook-connector.ts";
import { createWebhookSigner } from "../../src/outbox/webhook-signing.ts";
import { loadDeploymentFromSources } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Delivery, Store } from "../../src/store/store.ts";
import { createTrustLinks } from "../../src/trust/links.ts";
import { sharedDataFile } from "../support/shared-data.ts";

/**
 * List-Unsubscribe (RFC 2369) and one-click List-Unsubscribe-Post (RFC 8058) in the delivery
 * payload of marketing e-mail, checked against the team's RFC 8058 vectors, and absent from
 * service messages.
 */

const NOW = Date.parse("2026-03-02T11:00:00Z"); // noon in Amsterdam: no quiet hours
const links = createTrustLinks({
  secret: "link-secret-for-tests-0123456789abcdef",
  publicUrl: "https://prefs.example.com",
});

interface Vectors {
  readonly rfc8058_outgoing: readonly {
    readonly expected: {
      readonly post_header_exact_value: string;
      readonly dkim_signed_header_fields_must_include: readonly string[];
    };
  }[];
  readonly rfc8058_header_parsing: readonly {
    readonly list_unsubscribe: string;
    readonly list_unsubscribe_post: string | null;
    readonly expected: { readonly kind: string; readonly url?: string; readonly address?: string };
  }[];
}

const vectors = JSON.parse(
  readFileSync(sharedDataFile("unsubscribe-and-gpc-vectors.json"), "utf8"),
) as Vectors;

/** How a mailbox provider reads the two headers (RFC 8058 §3.1), written from the RFC. */
function readHeaders(listUnsubscribe: string, post: string | null) {
  const uris = [...listUnsubscribe.matchAll(/<([^>]*)>/g)].map((match) => match[1] ?? "");
  const https = uris.find((uri) => uri.startsWith("https://"));
  const mailto = uris.find((uri) => uri.startsWith("mailto:"));
  if (https !== undefined && post === ONE_CLICK) return { kind: "one-click", url: https };
  if (https !== undefined) return { kind: "link-only", url: https };
  return { kind: "mailto", address: mailto?.slice("mailto:".length).split("?")[0] };
}

describe("List-Unsubscribe headers", () => {
  test("the header reader agrees with every RFC 8058 parsing vector", () => {
    for (const vector of vectors.rfc8058_header_parsing) {
      const read = readHeaders(vector.list_unsubscribe, vector.list_unsubscribe_post);
      assert.equal(read.kind, vector.expected.kind);
      if (vector.expected.url !== undefined) assert.equal(read.url, vector.expected.url);
      if (vector.expected.address !== undefined) {
        assert.equal(read.address, vector.expected.address);
      }
    }
  });

  test("a marketing e-mail advertises one-click with an https URL and a mailto", () => {
    const headers = listUnsubscribeHeaders(links, "c-1001");
    const expected = vectors.rfc8058_outgoing[0]?.expected;
    if (expected === undefined) throw new Error("no outgoing vector");

    for (const name of expected.dkim_signed_header_fields_must_include) {
      assert.ok(headers[name] !== undefined, `${name} is in the payload`);
    }
    assert.equal(headers["List-Unsubscribe-Post"], expected.post_header_exact_value);
    const read = readHeaders(headers["List-Unsubscribe"] ?? "", headers["List-Unsubscribe-Post"]);
    assert.deepEqual(read, { kind: "one-click", url: links.unsubscribeUrl("c-1001") });
    assert.match(headers["List-Unsubscribe"] ?? "", /^<https:\/\/[^>]+>, <mailto:[^>]+>$/);
  });

  test("the token is opaque, per subject, and reads back to its subject", () => {
    const headers = listUnsubscribeHeaders(links, "c-1001");
    const url = readHeaders(headers["List-Unsubscribe"] ?? "", ONE_CLICK).url ?? "";
    const token = url.slice(url.lastIndexOf("/") + 1);
    const decoded = Buffer.from(token.replace(/^v1\./, ""), "base64url").toString("latin1");

    assert.ok(!url.includes("c-1001") && !decoded.includes("c-1001"));
    assert.ok(!(headers["List-Unsubscribe"] ?? "").includes("c-1001"));
    assert.deepEqual(links.readUnsubscribeToken(token), { status: "valid", subjectId: "c-1001" });
    assert.notEqual(
      listUnsubscribeHeaders(links, "c-1002")["List-Unsubscribe"],
      headers["List-Unsubscribe"],
    );
  });
});

// ---------------------------------------------------------------- through the outbox

const PLAYBOOK = `
playbook: unsubscribe-test
version: 1
nodes:
  - id: campaign-email
    trigger: { event: campaign.slot_opened }
    bundle: [retail.recency]
    purpose: marketing.campaigns
    basis: consent
    channels: [email]
    actions:
      - { kind: message, template: category-pick-v1, value: 1.0, priority: 1 }
  - id: account-notice-email
    trigger: { event: billing.invoice_issued }
    bundle: [account.plan]
    purpose: service.account_notices
    basis: contract
    channels: [email]
    actions:
      - { kind: message, template: invoice-notice-v1, value: 1.0, priority: 1 }
`;

function deployment() {
  const read = (file: string) => ({ file, text: readFileSync(file, "utf8") });
  return loadDeploymentFromSources({
    catalog: read("examples/catalog.yaml"),
    policy: read("examples/policy.yaml"),
    playbooks: [{ file: "unsubscribe-test.yaml", text: PLAYBOOK }],
  });
}

const event = (id: string, type: string, data: Record<string, unknown> = {}): EventInput => ({
  id,
  type,
  schemaVersion: 1,
  subjectId: "c-2001",
  occurredAt: new Date(NOW - 1000).toISOString(),
  source: "crm",
  data,
});

describe("marketing e-mail deliveries carry the headers; service messages do not", () => {
  const dir = mkdtempSync(join(tmpdir(), "assent-unsub-"));
  let store: Store;
  let deliveries: Delivery[];

  before(async () => {
    store = await openSqliteStore({ path: join(dir, "assent.db") });
    await store.migrate();
    const app = createApp({
      store,
      deployment: deployment(),
      clock: () => NOW,
      unsubscribe: links,
    });
    await app.ingest([
      event("e-contact", "contact.updated", { channel: "email", jurisdiction: "NL" }),
      event("e-profile", "retail.profile_refreshed", { "retail.recency": 2 }),
      event("e-plan", "trial.expired", { "account.plan": "team" }),
    ]);
    await app.recordConsent("c-2001", {
      purpose: "marketing.campaigns",
      channel: "email",
      kind: "grant",
      capturedAt: new Date(NOW - 500).toISOString(),
      source: "preference-centre",
      evidence: "form-1",
    });
    const decided = await app.ingest([
      event("e-slot", "campaign.slot_opened"),
      event("e-invoice", "billing.invoice_issued", { "account.plan": "team" }),
    ]);
    const outcomes = decided.flatMap((each) => each.decisions.map((d) => d.outcome));
    assert.deepEqual(outcomes, ["act", "act"]);
    deliveries = await store.claimDeliveries(NOW, 10, 60_000);
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const payloadOf = (nodeId: string) => {
    const delivery = deliveries.find((each) => JSON.parse(each.payload).nodeId === nodeId);
    if (delivery === undefined) throw new Error(`no delivery for ${nodeId}`);
    return JSON.parse(delivery.payload) as Record<string, unknown>;
  };

  test("the campaign e-mail's payload holds List-Unsubscribe and List-Unsubscribe-Post", () => {
    assert.deepEqual(payloadOf("campaign-email").messageHeaders, {
      "List-Unsubscribe": `<${links.unsubscribeUrl("c-2001")}>, <${links.unsubscribeMailto("c-2001")}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  test("the account notice (a service message on contract) carries none", () => {
    const payload = payloadOf("account-notice-email");
    assert.equal(payload.messageHeaders, undefined);
    assert.equal(payload.nodeId, "account-notice-email");
  });

  test("a signed webhook hands the headers to a receiver that verifies the delivery", async () => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const verified: unknown[] = [];
    const receiver = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([, value]) => typeof value === "string"),
      ) as Record<string, string>;
      verified.push(new Webhook(secret).verify(Buffer.concat(chunks).toString("utf8"), headers));
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;
    const sign = createWebhookSigner({ secrets: [secret], clock: Date.now });
    const url = `http://127.0.0.1:${port}/hooks`;
    const webhook = createWebhookConnector({ url, timeoutMs: 2000, sign });
    const campaign = deliveries.find(
      (each) => JSON.parse(each.payload).nodeId === "campaign-email",
    );
    if (campaign === undefined) throw new Error("no campaign delivery");

    const result = await webhook.deliver(campaign);
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    assert.deepEqual(result, { outcome: "delivered", code: "http_204" });
    const body = verified[0] as { payload: { messageHeaders: Record<string, string> } };
    assert.equal(body.payload.messageHeaders["List-Unsubscribe-Post"], ONE_CLICK);
  });

  test("without configured links no header is invented", async () => {
    const app = createApp({ store, deployment: deployment(), clock: () => NOW });
    const [outcome] = await app.ingest([event("e-slot-2", "campaign.slot_opened")]);
    assert.equal(outcome?.decisions[0]?.outcome, "act");
    const next = await store.claimDeliveries(NOW, 10, 60_000);
    assert.equal(next.length, 1);
    assert.equal(JSON.parse(next[0]?.payload ?? "{}").messageHeaders, undefined);
  });
});
