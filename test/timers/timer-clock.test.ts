import assert from "node:assert/strict";
import { test } from "node:test";
import { startTimerClock } from "../../src/timers/timer-clock.ts";

/** The service's clock wakes at the next timer's instant, not at the next poll. */

test("the clock ticks at once, then at the due instant of the next timer, long before its poll", async () => {
  const start = Date.now();
  const due = start + 150;
  const ticks: number[] = [];
  let woke: () => void = () => {};
  const second = new Promise<void>((resolve) => {
    woke = resolve;
  });
  const clock = startTimerClock({
    tick: async (now) => {
      ticks.push(now);
      if (ticks.length === 2) woke();
    },
    nextDue: async () => (ticks.length < 2 ? due : undefined),
    clock: Date.now,
    pollMs: 60_000,
    onError: (error) => assert.fail(String(error)),
  });
  await second;
  await clock.stop();
  assert.equal(ticks.length, 2);
  assert.ok((ticks[1] ?? 0) >= due, "not before the instant");
  assert.ok((ticks[1] ?? 0) < due + 1_000, `woke ${(ticks[1] ?? 0) - due} ms after the instant`);
});

test("a failing tick is reported and the clock goes on", async () => {
  const errors: unknown[] = [];
  let calls = 0;
  let done: () => void = () => {};
  const twice = new Promise<void>((resolve) => {
    done = resolve;
  });
  const clock = startTimerClock({
    tick: async () => {
      calls += 1;
      if (calls === 2) done();
      if (calls === 1) throw new Error("store down");
    },
    nextDue: async () => Date.now(),
    clock: Date.now,
    pollMs: 60_000,
    onError: (error) => errors.push(error),
  });
  await twice;
  await clock.stop();
  assert.equal(errors.length, 1);
});
