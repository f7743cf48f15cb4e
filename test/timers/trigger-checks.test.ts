import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { problemsWith } from "../unit/playbook-helpers.ts";

/** Load-time checks on time triggers, each with the exact message a person reads. */

const FILE = "playbooks/insurance.yaml";
const NODE = "node claim-status-day-3";
const TRIGGER = `    trigger:
      event: claim.day_elapsed
      when: claim.days_open == 3.0`;

function withTrigger(lines: string): string[] {
  return problemsWith(TRIGGER, `    trigger:\n${lines}`);
}

describe("time triggers load", () => {
  test("after a delay with unless, and before a date in the bundle, load", () => {
    assert.throws(() => withTrigger("      after: { event: claim.opened, delay: 3d }"), {
      message: "expected the deployment to be refused, but it loaded",
    });
  });
});

describe("time trigger checks", () => {
  test("a trigger names exactly one kind", () => {
    assert.deepEqual(
      withTrigger("      event: claim.opened\n      after: { event: claim.opened, delay: 3d }"),
      [
        `${FILE}:6:7 nodes[0].trigger: ${NODE}: a trigger has one of event, after or before, not event and after`,
      ],
    );
    assert.deepEqual(withTrigger("      when: claim.days_open == 3.0"), [
      `${FILE}:6:7 nodes[0].trigger: ${NODE}: a trigger needs one of event (on an event), after (a delay after an event, or an offset after a date) or before (an offset before a date)`,
    ]);
  });

  test("the event that starts the timer is declared in the catalog", () => {
    assert.deepEqual(withTrigger("      after: { event: claim.reopened, delay: 3d }"), [
      `${FILE}:6:23 nodes[0].trigger.after.event: ${NODE}: event claim.reopened is not declared in the catalog; add it under events: or name a declared event`,
    ]);
  });

  test("the unless event is declared, differs from the start and needs after an event", () => {
    const start = "      after: { event: claim.opened, delay: 3d }\n";
    assert.deepEqual(withTrigger(`${start}      unless: { event: claim.settled }`), [
      `${FILE}:7:24 nodes[0].trigger.unless.event: ${NODE}: event claim.settled is not declared in the catalog; add it under events: or name a declared event`,
    ]);
    assert.deepEqual(withTrigger(`${start}      unless: { event: claim.opened }`), [
      `${FILE}:7:24 nodes[0].trigger.unless.event: ${NODE}: unless names claim.opened, the event that starts the timer; name another`,
    ]);
    const date = "      before: { attribute: claim.opened_at, offset: 1d }\n";
    assert.deepEqual(withTrigger(`${date}      unless: { event: claim.closed }`), [
      `${FILE}:6:28 nodes[0].trigger.before.attribute: ${NODE}: claim.opened_at is not in the node's bundle: add it to bundle, since the timer reads it`,
      `${FILE}:7:15 nodes[0].trigger.unless: ${NODE}: unless cancels a timer that an event starts; use it with after: { event, delay }`,
    ]);
  });

  test("a delay is more than zero and at most 366 days", () => {
    assert.deepEqual(withTrigger("      after: { event: claim.opened, delay: 0d }"), [
      `${FILE}:6:44 nodes[0].trigger.after.delay: ${NODE}: a delay of 0d is no timer; give more than 0, such as 3d, or trigger on the event itself`,
    ]);
    assert.deepEqual(withTrigger("      after: { event: claim.opened, delay: 400d }"), [
      `${FILE}:6:44 nodes[0].trigger.after.delay: ${NODE}: a delay of 400d is longer than 366d, the longest a timer may wait`,
    ]);
  });

  test("a date attribute is in the catalog, a timestamp, and in the node's bundle", () => {
    assert.deepEqual(withTrigger("      before: { attribute: claim.due_on, offset: 1d }"), [
      `${FILE}:6:28 nodes[0].trigger.before.attribute: ${NODE}: attribute claim.due_on is not in the catalog`,
    ]);
    assert.deepEqual(withTrigger("      before: { attribute: claim.amount, offset: 1d }"), [
      `${FILE}:6:28 nodes[0].trigger.before.attribute: ${NODE}: claim.amount is a number, not a timestamp: a timer needs a date attribute`,
    ]);
    assert.deepEqual(withTrigger("      after: { attribute: claim.opened_at, offset: 2d }"), [
      `${FILE}:6:27 nodes[0].trigger.after.attribute: ${NODE}: claim.opened_at is not in the node's bundle: add it to bundle, since the timer reads it`,
    ]);
  });

  test("an offset is more than zero (each problem of the trigger is reported)", () => {
    const trigger = "      before: { attribute: claim.opened_at, offset: 0d }";
    const text = (value: string) =>
      problemsWith(TRIGGER, `    trigger:\n${trigger.replace("0d", value)}`);
    assert.deepEqual(text("0d"), [
      `${FILE}:6:28 nodes[0].trigger.before.attribute: ${NODE}: claim.opened_at is not in the node's bundle: add it to bundle, since the timer reads it`,
      `${FILE}:6:53 nodes[0].trigger.before.offset: ${NODE}: an offset of 0d is no timer; give more than 0, such as 3d, or trigger on the event itself`,
    ]);
  });
});
