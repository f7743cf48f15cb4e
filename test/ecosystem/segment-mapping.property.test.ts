import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { MappingCatalog } from "../../src/ingest/segment/segment-mapping.ts";
import { mapSegmentCalls } from "../../src/ingest/segment/segment-mapping.ts";
import type { SegmentCall } from "../../src/ingest/segment/segment-schema.ts";
import { propertyRuns } from "../support/property-runs.ts";

/**
 * For every track call and every rule: the event carries the call's messageId and subject,
 * sets exactly the mapped attributes whose path holds a value, and each of those attributes
 * points back (for problems) at the call's own field, where that very value is.
 */

const key = fc.constantFrom("score", "total", "address", "country", "plan", "a b", "x~y", "p/q");
const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null));
const properties = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 })), {
  maxKeys: 5,
});
const path = fc.array(key, { minLength: 1, maxLength: 2 }).map((keys) => keys.join("."));
const attributes = fc.dictionary(fc.constantFrom("t.a", "t.b", "t.c", "t.d"), path, { maxKeys: 4 });

/** JSON pointer evaluation (RFC 6901), written apart from the code under test. */
function resolve(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let value: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof value !== "object" || value === null || !(token in value)) return undefined;
    value = Reflect.get(value, token);
  }
  return value;
}

/** The value at a dot path, read directly. */
function atPath(object: Record<string, unknown>, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((value, part) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    return Object.hasOwn(value, part) ? Reflect.get(value, part) : undefined;
  }, object);
}

test("a mapped track call becomes one event whose every attribute names the call's field", () => {
  fc.assert(
    fc.property(properties, attributes, fc.uuid(), (props, rule, messageId) => {
      const catalog: MappingCatalog = {
        segment: {
          source: "segment",
          track: { Paid: { event: "t.paid", attributes: rule } },
          page: {},
          screen: {},
        },
        events: new Map([
          ["t.paid", { type: "t.paid", version: 3, attributes: new Set(Object.keys(rule)) }],
        ]),
      };
      const call: SegmentCall = {
        type: "track",
        event: "Paid",
        userId: "s-1",
        messageId,
        properties: props,
      };
      const plan = mapSegmentCalls([call], catalog, {
        gpc: false,
        receivedAt: "2026-01-01T00:00:00Z",
        base: (index) => `/batch/${index}`,
      });

      assert.equal(plan.events.length, 1);
      const [event] = plan.events;
      assert.equal(event?.id, messageId);
      assert.equal(event?.subjectId, "s-1");
      assert.equal(event?.schemaVersion, 3);
      const expected = Object.entries(rule).filter(([, dotted]) => {
        const value = atPath(props, dotted);
        return value !== undefined && value !== null;
      });
      assert.deepEqual(
        Object.keys(event?.data ?? {}).sort(),
        expected.map(([name]) => name).sort(),
      );
      for (const [name] of expected) {
        const pointer = plan.fieldOf.get(`/batch/0/data/${name}`);
        assert.ok(pointer !== undefined, `${name} has a field`);
        assert.deepEqual(resolve({ batch: [call] }, pointer), event?.data[name]);
      }
    }),
    { numRuns: propertyRuns() },
  );
});
