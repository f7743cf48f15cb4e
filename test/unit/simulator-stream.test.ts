import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { simulate, simulateStream } from "../../src/simulator/index.ts";
import { SIM_PLAYBOOKS } from "../../src/simulator/types.ts";
import { propertyRuns } from "../support/property-runs.ts";
import { eventsOf, run, START } from "./simulator-helpers.ts";

const SOURCES = new Set([
  "crm",
  "product",
  "billing",
  "support",
  "claims",
  "policy",
  "web",
  "shop",
]);

describe("simulator stream", () => {
  const small = { subjects: 200, days: 30, seed: 11, start: START } as const;

  for (const playbook of SIM_PLAYBOOKS) {
    describe(playbook, () => {
      it("the same seed gives an identical stream", () => {
        const first = simulate({ ...small, playbook });
        const second = simulate({ ...small, playbook });
        assert.deepStrictEqual(first, second);
      });

      it("a different seed gives a different stream", () => {
        const first = simulate({ ...small, playbook });
        const other = simulate({ ...small, playbook, seed: 12 });
        assert.notDeepStrictEqual(first, other);
      });

      it("the generator yields exactly what simulate returns", () => {
        const streamed = Array.from(simulateStream({ ...small, playbook }));
        assert.deepStrictEqual(streamed, simulate({ ...small, playbook }));
      });

      it("items are sorted by instant and lie inside the run", () => {
        const items = run(playbook);
        const end = START + 90 * 86_400_000;
        items.forEach((item, index) => {
          const previous = items[index - 1];
          if (previous !== undefined)
            assert.ok(previous.at <= item.at, `item ${index} out of order`);
          assert.ok(item.at >= START && item.at < end, `item ${index} outside the run`);
        });
      });

      it("ids are unique, deterministic and follow the stream order", () => {
        const ids = run(playbook).flatMap((item) => {
          if (item.kind === "event") return [item.event.id];
          if (item.kind === "consent" || item.kind === "suppression") return [item.record.id];
          return [];
        });
        assert.equal(new Set(ids).size, ids.length);
        assert.deepEqual(
          ids,
          ids.map((_, index) => `7-${index}`),
        );
      });

      it("events happen at `at` and arrive a little later from a named source", () => {
        for (const event of eventsOf(run(playbook))) {
          assert.equal(event.schemaVersion, 1);
          assert.ok(event.receivedAt > event.occurredAt, event.id);
          assert.ok(event.receivedAt - event.occurredAt < 3_600_000, event.id);
          assert.ok(SOURCES.has(event.source), `unknown source ${event.source}`);
        }
        const items = run(playbook);
        for (const item of items)
          if (item.kind === "event") assert.equal(item.event.occurredAt, item.at);
      });

      it("subjects live in at least ten time zones, about 5% of them unknown", () => {
        const events = eventsOf(run(playbook));
        const zones = new Map<string, string | undefined>();
        for (const event of events) {
          const zone = event.data["subject.timezone"];
          if ("subject.country" in event.data)
            zones.set(event.subjectId, typeof zone === "string" ? zone : undefined);
        }
        const known = [...zones.values()].filter((zone) => zone !== undefined);
        assert.ok(new Set(known).size >= 10, `only ${new Set(known).size} zones`);
        for (const zone of known) assert.ok(DateTime.local().setZone(zone).isValid, zone);
        const unknownShare = 1 - known.length / zones.size;
        assert.ok(unknownShare > 0.02 && unknownShare < 0.09, `unknown zone share ${unknownShare}`);
      });
    });
  }

  it("half-hour zones with DST are among them", () => {
    const zones = new Set(eventsOf(run("retail")).map((event) => event.data["subject.timezone"]));
    for (const zone of ["America/St_Johns", "Asia/Kolkata", "Australia/Adelaide"]) {
      assert.ok(zones.has(zone), `${zone} missing`);
    }
  });

  it("people act at plausible local hours", () => {
    const human = new Set([
      "account.signed_up",
      "ticket.opened",
      "milestone.first_project",
      "web.visit",
    ]);
    const zones = new Map<string, string>();
    let daytime = 0;
    let total = 0;
    for (const event of [...eventsOf(run("saas")), ...eventsOf(run("retail"))]) {
      const zone = event.data["subject.timezone"];
      if (typeof zone === "string") zones.set(event.subjectId, zone);
      const known = zones.get(event.subjectId);
      if (!human.has(event.type) || known === undefined) continue;
      const hour = DateTime.fromMillis(event.occurredAt, { zone: known }).hour;
      total += 1;
      if (hour >= 7) daytime += 1;
    }
    assert.ok(total > 1000);
    assert.ok(daytime / total > 0.9, `only ${daytime} of ${total} between 07:00 and midnight`);
  });

  it("refuses options it cannot honour", () => {
    const options = { playbook: "saas", subjects: 10, days: 10, seed: 1, start: START } as const;
    assert.throws(() => simulate({ ...options, subjects: 0 }), RangeError);
    assert.throws(() => simulate({ ...options, days: 1.5 }), RangeError);
  });
});

describe("simulator under any options", () => {
  it("any seed, size, length and start give a sorted stream inside the run", () => {
    const options = fc.record({
      playbook: fc.constantFrom(...SIM_PLAYBOOKS),
      subjects: fc.integer({ min: 1, max: 4 }),
      days: fc.integer({ min: 1, max: 4 }),
      seed: fc.integer(),
      start: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
    });
    fc.assert(
      fc.property(options, (chosen) => {
        const items = simulate(chosen);
        const end = chosen.start + chosen.days * 86_400_000;
        return items.every(
          (item, index) =>
            item.at >= chosen.start &&
            item.at < end &&
            (items[index - 1]?.at ?? -Infinity) <= item.at,
        );
      }),
      { numRuns: propertyRuns() },
    );
  });
});
