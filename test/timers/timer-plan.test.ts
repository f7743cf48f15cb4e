import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { createEngine } from "../../src/engine/engine.ts";
import type { AssentEvent, AttributeState } from "../../src/engine/types.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Timer } from "../../src/timers/timer.ts";
import { planTimers, type TimerChange, timerIndex } from "../../src/timers/timer-plan.ts";
import { appOn, at, CLAIM_NODE, claimOpened, deployment, RENEWAL_NODE } from "./timers-support.ts";

/** What an event does to timers, decided without a store; and the engine's side of a firing. */

const DAY = 86_400_000;
const nodes = deployment.playbooks.flatMap((playbook) => playbook.nodes);
const index = timerIndex(nodes);

function event(type: string, iso: string, id = `e-${type}-${iso}`): AssentEvent {
  const occurredAt = at(iso);
  return {
    id,
    type,
    schemaVersion: 1,
    subjectId: "s-1",
    occurredAt,
    receivedAt: occurredAt,
    source: "t",
    data: {},
  };
}

function plan(
  happened: AssentEvent,
  pending: readonly Timer[] = [],
  profile: ReadonlyMap<string, AttributeState> = new Map(),
  attributes: readonly string[] = [],
): TimerChange[] {
  let id = 0;
  const scene = { event: happened, attributes, pending, profile, now: happened.occurredAt };
  return planTimers(index, { ...scene, newId: () => `t-${++id}` });
}

function created(changes: readonly TimerChange[]): Timer[] {
  return changes.flatMap((change) => (change.op === "create" ? [change.timer] : []));
}

describe("planning timers", () => {
  const opened = event("claim.opened", "2025-03-03T10:00:00Z", "open-1");
  const [timer] = created(plan(opened));

  test("an event that starts a delay creates one timer, due exactly the delay later", () => {
    assert.equal(timer?.nodeId, CLAIM_NODE);
    assert.equal(timer?.dueAt, at("2025-03-06T10:00:00Z"));
    assert.equal(timer?.causeAt, opened.occurredAt);
  });

  test("an unless event cancels only between the start and the due instant", () => {
    const pending = timer === undefined ? [] : [timer];
    const before = plan(event("claim.closed", "2025-03-06T09:59:59Z"), pending);
    assert.deepEqual(
      before.map((change) => change.op),
      ["cancel"],
    );
    assert.deepEqual(plan(event("claim.closed", "2025-03-06T10:00:00Z"), pending), []);
    assert.deepEqual(plan(event("claim.closed", "2025-03-03T09:00:00Z"), pending), []);
  });

  test("a newer start moves the timer; an older start arriving late leaves it", () => {
    const pending = timer === undefined ? [] : [timer];
    const newer = plan(event("claim.opened", "2025-03-04T10:00:00Z"), pending);
    assert.deepEqual(
      newer.map((change) => change.op),
      ["cancel", "create"],
    );
    assert.equal(newer[0]?.op === "cancel" ? newer[0].status : "", "moved");
    assert.deepEqual(plan(event("claim.opened", "2025-03-02T10:00:00Z"), pending), []);
  });

  test("a date that leaves the profile cancels its timer; a date already passed sets none", () => {
    const set = event("subscription.started", "2025-06-01T00:00:00Z");
    const profile = (termEnd: number) =>
      new Map([
        ["contract.term_end", { value: termEnd, updatedAt: set.occurredAt, eventId: set.id }],
      ]);
    const [reminder] = created(
      plan(set, [], profile(at("2025-12-31T00:00:00Z")), ["contract.term_end"]),
    );
    assert.equal(reminder?.nodeId, RENEWAL_NODE);
    assert.equal(reminder?.dueAt, at("2025-10-02T00:00:00Z"));
    const pending = reminder === undefined ? [] : [reminder];
    const removed = plan(set, pending, new Map(), ["contract.term_end"]);
    assert.deepEqual(
      removed.map((c) => (c.op === "cancel" ? c.status : c.op)),
      ["cancelled"],
    );
    const soon = plan(set, [], profile(set.occurredAt + 30 * DAY), ["contract.term_end"]);
    assert.deepEqual(soon, []);
  });
});

describe("the engine and timers", () => {
  const engine = createEngine(nodes, deployment.policy);
  const node = nodes.find((each) => each.id === CLAIM_NODE);

  test("a time-triggered node is never decided by its event, only by its timer", () => {
    assert.equal(node?.trigger.event, undefined);
    const input = {
      event: event("claim.opened", "2025-03-03T10:00:00Z"),
      profile: new Map(),
      consent: { subjectId: "s-1", records: [], suppressions: [], contacts: {} },
      history: [],
      release: { id: "r", state: "live" as const, disabledNodes: [] },
      now: at("2025-03-03T10:00:00Z"),
    };
    assert.deepEqual(engine.decide(input), []);
    if (node === undefined) return;
    const decision = engine.decideNode(node, input);
    assert.equal(decision.reason, "no_trigger_match");
    assert.match(decision.steps[0]?.detail ?? "", /decides only when its timer fires/);
  });
});

describe("assent timers SUBJECT_ID", () => {
  const root = mkdtempSync(join(tmpdir(), "assent-timers-cli-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  test("prints the subject's pending timers, soonest first, with why", async () => {
    const path = join(root, "cli.db");
    const store = await openSqliteStore({ path });
    await appOn(store, { now: at("2025-03-03T10:00:01Z") }).ingest([
      claimOpened("s-cli", "2025-03-03T10:00:00Z"),
    ]);
    await store.close();
    const run = promisify(execFile);
    const main = join(import.meta.dirname, "../../src/cli/main.ts");
    const { stdout } = await run(process.execPath, [
      "--import",
      "tsx",
      main,
      "timers",
      "s-cli",
      "--db",
      path,
    ]);
    assert.match(stdout, /^subject s-cli: 1 pending timer\(s\)\n/);
    assert.match(
      stdout,
      /2025-03-06T10:00:00\.000Z {2}claim-status-day-3 +3d after claim\.opened e-\d+, unless claim\.closed first/,
    );
    const none = await run(process.execPath, [
      "--import",
      "tsx",
      main,
      "timers",
      "s-none",
      "--db",
      path,
    ]);
    assert.equal(none.stdout, "subject s-none has no pending timers\n");
  });
});
