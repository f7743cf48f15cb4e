import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApp } from "../../src/app/app.ts";
import { createHttpServer, type HttpServer } from "../../src/http/server.ts";
import { loadDeploymentFromDir } from "../../src/playbook/loader.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { auth, captureLogs, eventBody, KEYS } from "./support.ts";

/** A refusal says what was expected in plain words: no library text, counts that agree. */

const root = mkdtempSync(join(tmpdir(), "assent-field-wording-"));
const NOW = Date.parse("2026-03-02T09:00:00Z");
let store: Store;
let server: HttpServer;

before(async () => {
  store = await openSqliteStore({ path: join(root, "assent.db") });
  await store.migrate();
  const { logger } = captureLogs();
  const deployment = loadDeploymentFromDir("examples");
  const app = createApp({ store, deployment, clock: () => NOW, logger });
  const keys = Object.values(KEYS).map((key) => ({ ...key, scopes: [...key.scopes] }));
  server = createHttpServer({ app, config: { keys }, logger });
});

after(async () => {
  await server.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

interface Problem {
  readonly detail: string;
  readonly errors: readonly { readonly pointer: string; readonly detail: string }[];
}

const errorsOf = (body: string) => (JSON.parse(body) as Problem).errors;

function postEvents(payload: object) {
  return server.inject({ method: "POST", url: "/v1/events", headers: auth("ingest"), payload });
}

describe("what a refusal says", () => {
  test("a limit that is not a number asks for a number; a fraction for a whole number", async () => {
    const words: Record<string, string> = { abc: "a number", "1.5": "a whole number" };
    for (const [limit, detail] of Object.entries(words)) {
      const response = await server.inject({
        method: "GET",
        url: `/v1/subjects/s-1/decisions?limit=${limit}`,
        headers: auth("read"),
      });
      assert.equal(response.statusCode, 400, limit);
      assert.deepEqual(errorsOf(response.body), [{ pointer: "/limit", detail }]);
    }
  });

  test("a fractional schemaVersion asks for a whole number", async () => {
    const response = await postEvents(eventBody({ id: "w-1", schemaVersion: 1.5 }));

    assert.equal(response.statusCode, 400);
    assert.deepEqual(errorsOf(response.body), [
      { pointer: "/schemaVersion", detail: "a whole number" },
    ]);
  });

  test("data on an event type that sets no attributes says so", async () => {
    const slot = eventBody({ id: "w-2", type: "campaign.slot_opened", data: { "x.y": 1 } });
    const response = await postEvents(slot);

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().detail, "1 field is wrong in 1 event; nothing was stored");
    assert.deepEqual(errorsOf(response.body), [
      { pointer: "/data/x.y", detail: "no data: campaign.slot_opened v1 sets no attributes" },
    ]);
  });

  test("a refused batch counts its fields and events in words that agree", async () => {
    const response = await postEvents({
      events: [
        eventBody({ id: "w-3", data: { "claim.amount": "many" } }),
        eventBody({ id: "w-4", schemaVersion: 2, data: { "x.y": 1 } }),
      ],
    });

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().detail, "3 fields are wrong in 2 events; nothing was stored");
  });
});
