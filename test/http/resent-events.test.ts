import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auth, eventBody, onRealApp } from "./support.ts";

/**
 * Dedup is by event id: a re-sent batch creates no second decision. A re-sent id with other
 * content is a producer's bug, not a duplicate: it is answered `conflict` naming the fields that
 * differ, nothing is stored, the first event stands, and a warning names the id and the fields.
 */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const real = onRealApp("resent-events", NOW);

interface Outcome {
  readonly eventId: string;
  readonly status: string;
  readonly conflicting?: readonly string[];
  readonly decisions: readonly unknown[];
}

async function ingest(...events: Record<string, unknown>[]): Promise<Outcome[]> {
  const payload = { events };
  const response = await real.server.inject({
    method: "POST",
    url: "/v1/events",
    headers: auth("ingest"),
    payload,
  });
  assert.equal(response.statusCode, 202, response.body);
  return response.json();
}

const claim = (id: string, subjectId: string, overrides: Record<string, unknown> = {}) =>
  eventBody({
    id,
    subjectId,
    occurredAt: "2026-03-01T10:00:00Z",
    data: { "claim.amount": 1200, "claim.status": "open" },
    ...overrides,
  });

function stored(subjectId: string, eventId: string) {
  return real.store.withSubjects([subjectId], (tx) => tx.subject(subjectId).event(eventId));
}

async function decisionCount(subjectId: string): Promise<number> {
  return (await real.store.decisionsOf(subjectId, 100)).length;
}

function warnings(eventId: string) {
  return real.logs.lines().filter((line) => line.eventId === eventId && line.level === "warn");
}

describe("a re-sent event id", () => {
  test("with the same content, keys of data reordered: duplicate, no second decision", async () => {
    const [first] = await ingest(claim("r-1", "s-resent-1"));
    assert.equal(first?.status, "accepted");
    const decisions = await decisionCount("s-resent-1");

    const reordered = claim("r-1", "s-resent-1", {
      data: { "claim.status": "open", "claim.amount": 1200 },
    });
    const [again] = await ingest(reordered);

    assert.deepEqual(again, { eventId: "r-1", status: "duplicate", decisions: [] });
    assert.equal(await decisionCount("s-resent-1"), decisions);
    assert.deepEqual(warnings("r-1"), []);
  });

  test("with a value of data changed: conflict naming data; the first event stands", async () => {
    await ingest(claim("r-2", "s-resent-2"));
    const before = await stored("s-resent-2", "r-2");
    const decisions = await decisionCount("s-resent-2");

    const changed = claim("r-2", "s-resent-2", {
      data: { "claim.amount": 99, "claim.status": "open" },
    });
    const [again] = await ingest(changed);

    assert.deepEqual(again, {
      eventId: "r-2",
      status: "conflict",
      conflicting: ["data"],
      decisions: [],
    });
    assert.deepEqual(await stored("s-resent-2", "r-2"), before);
    assert.equal(before?.data["claim.amount"], 1200);
    assert.equal(await decisionCount("s-resent-2"), decisions);
  });

  test("with another occurredAt: conflict naming occurredAt", async () => {
    await ingest(claim("r-3", "s-resent-3"));
    const [again] = await ingest(
      claim("r-3", "s-resent-3", { occurredAt: "2026-03-01T11:00:00Z" }),
    );

    assert.equal(again?.status, "conflict");
    assert.deepEqual(again?.conflicting, ["occurredAt"]);
    assert.equal(
      (await stored("s-resent-3", "r-3"))?.occurredAt,
      Date.parse("2026-03-01T10:00:00Z"),
    );
  });

  test("under another subject: conflict naming subjectId, nothing stored for that subject", async () => {
    await ingest(claim("r-4", "s-resent-4"));
    const [again] = await ingest(claim("r-4", "s-resent-4b"));

    assert.equal(again?.status, "conflict");
    assert.deepEqual(again?.conflicting, ["subjectId"]);
    assert.equal(await stored("s-resent-4b", "r-4"), undefined);
    assert.notEqual(await stored("s-resent-4", "r-4"), undefined);
    assert.equal(await decisionCount("s-resent-4b"), 0);
  });

  test("in one batch beside new events: each event gets its own status, the answer stays 202", async () => {
    await ingest(claim("r-5", "s-resent-5"));
    const outcomes = await ingest(
      claim("r-5", "s-resent-5", { source: "billing" }),
      claim("r-6", "s-resent-5"),
    );

    assert.deepEqual(
      outcomes.map(({ status, conflicting }) => ({ status, conflicting })),
      [
        { status: "conflict", conflicting: ["source"] },
        { status: "accepted", conflicting: undefined },
      ],
    );
  });

  test("the warning names the id and the fields, never their values", async () => {
    await ingest(claim("r-7", "s-resent-7"));
    await ingest(
      claim("r-7", "s-resent-7", {
        occurredAt: "2026-03-01T12:00:00Z",
        data: { "claim.amount": 31337, "claim.status": "open" },
      }),
    );

    const lines = warnings("r-7");
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]?.conflicting, ["occurredAt", "data"]);
    const raw = real.logs.raw.filter((line) => line.includes('"r-7"')).join("\n");
    assert.doesNotMatch(raw, /31337|2026-03-01T12|1200/);
  });
});
