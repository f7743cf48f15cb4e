import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SendRecord } from "../../src/engine/types.ts";
import { type PaceResult, pace } from "../../src/pacing/pace.ts";
import {
  array,
  cap,
  instant,
  type Json,
  object,
  quietHours,
  readGolden,
  send,
  text,
  texts,
} from "./pacing-golden.ts";

const { file, cases } = readGolden("./pacing.json");
const defaults = object(file.defaults, "defaults");

describe("pacing golden cases (test/golden/pacing.json)", () => {
  for (const entry of cases) {
    const name = text(entry.name, "name");
    test(name, () => runCase(entry, name));
  }

  test("the file holds the field reports and at least 20 more cases", () => {
    const names = cases.map((entry) => text(entry.name, "name"));
    assert.ok(names.filter((name) => name.startsWith("field report")).length >= 4);
    assert.ok(names.filter((name) => !name.startsWith("field report")).length >= 20);
  });
});

/** Requests in order; each admitted one becomes a send, as the engine would record it. */
function runCase(entry: Json, name: string): void {
  const caps = array(entry.caps, `${name}.caps`).map((value, i) =>
    cap(value, `${name}.caps[${i}]`),
  );
  const history: SendRecord[] = array(entry.history, `${name}.history`).map((value, i) =>
    send(value, defaults, `${name}.history[${i}]`),
  );
  const zone = text(entry.zone ?? defaults.zone, `${name}.zone`);
  const quiet =
    entry.quietHours === undefined
      ? undefined
      : quietHours(object(entry.quietHours, `${name}.quietHours`), `${name}.quietHours`);

  array(entry.requests, `${name}.requests`).forEach((value, i) => {
    const where = `${name}.requests[${i}]`;
    const request = send(value, defaults, where);
    const result = pace({ caps, history, request, zone, quietHours: quiet });
    check(result, object(value.expect, `${where}.expect`), where);
    if (result.ok) history.push(request);
  });
}

function check(result: PaceResult, expect: Json, where: string): void {
  assert.equal(result.ok, expect.ok, `${where}: ok (${result.detail})`);
  if (expect.evidence !== undefined) {
    assert.deepEqual(result.evidence, texts(expect.evidence, `${where}.evidence`), where);
  }
  assert.ok(result.detail.length > 0, `${where}: detail`);
  if (result.ok) return;

  assert.equal(result.reason, expect.reason, `${where}: reason`);
  const deferUntil = instant(expect.deferUntil, `${where}.deferUntil`);
  const got = new Date(result.deferUntil).toISOString();
  assert.equal(result.deferUntil, deferUntil, `${where}: deferUntil was ${got}`);
  assert.equal(result.capId, expect.capId, `${where}: capId`);
}
