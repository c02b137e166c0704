// The work queue: de-duplication, one reconcile per key at a time, a re-add during a reconcile runs again
// afterwards, exponential per-key retry, parallel keys up to the concurrency.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StalledError, WaitingError, WorkQueue } from "../../../src/operator/index.ts";
import { ManualClock } from "../../support/manual-clock.ts";

test("queue: keys are de-duplicated, never reconciled twice at once, and re-run when added during a reconcile", async () => {
  const runs: string[] = [];
  const release: (() => void)[] = [];
  let active = 0;
  let activeA = 0;
  let maxActiveForA = 0;
  const started: (() => void)[] = [];
  const nextStart = (): Promise<void> =>
    new Promise((resolve) => {
      started.push(resolve);
    });
  const queue = new WorkQueue({
    name: "t",
    concurrency: 3,
    reconcile: async (key) => {
      active += 1;
      if (key === "a") maxActiveForA = Math.max(maxActiveForA, ++activeA);
      runs.push(key);
      started.shift()?.();
      // Each reconcile holds until the test lets it go: no clock, no sleeping.
      await new Promise<void>((resolve) => release.push(resolve));
      if (key === "a") activeA -= 1;
      active -= 1;
      return undefined;
    },
  });
  const running = queue.run();
  const three = [nextStart(), nextStart(), nextStart()];
  queue.add("a");
  queue.add("a");
  queue.add("b");
  queue.add("c");
  await Promise.all(three);
  assert.equal(active, 3, "three keys in parallel");
  const rerun = nextStart();
  queue.add("a"); // during a's reconcile: runs again after it, not alongside
  for (const go of release.splice(0)) go();
  await rerun;
  for (const go of release.splice(0)) go();
  queue.stop();
  await running;
  assert.deepEqual(runs.filter((k) => k === "a").length, 2);
  assert.equal(maxActiveForA, 1);
  assert.deepEqual(runs.filter((k) => k !== "a").sort(), ["b", "c"]);
});

test("queue: a failing key is retried with growing delays and forgotten on success (a manual clock: no sleeping)", async () => {
  const clock = new ManualClock();
  const at: number[] = [];
  const queue = new WorkQueue({
    name: "t",
    concurrency: 1,
    baseDelayMs: 20,
    clock,
    reconcile: (key) => {
      at.push(clock.now());
      if (at.length < 4) return Promise.reject(new Error(`fail ${key}`));
      return Promise.resolve(undefined);
    },
  });
  const running = queue.run();
  queue.add("x");
  for (let i = 0; i < 10; i++) await clock.advance(10);
  await clock.advance(1_000);
  queue.stop();
  await running;
  assert.equal(at.length, 4, "three failures, then success, then no more");
  const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
  assert.deepEqual(gaps, [20, 40, 80], "exponential, exactly");
  assert.equal(clock.pending, 0, "nothing left waiting");
});

test("queue: a stalled key is not retried until it is queued again; a waiting key looks again after its delay, without backoff", async () => {
  const clock = new ManualClock();
  const runs: { key: string; at: number }[] = [];
  const outcomes: string[] = [];
  let waits = 0;
  const queue = new WorkQueue({
    name: "t",
    concurrency: 1,
    baseDelayMs: 20,
    clock,
    observer: { reconciled: (_q, result) => outcomes.push(result) },
    reconcile: (key) => {
      runs.push({ key, at: clock.now() });
      if (key === "stalled") return Promise.reject(new StalledError("SecretMissing", "no Secret x"));
      waits += 1;
      return waits <= 3
        ? Promise.reject(new WaitingError("RollingOut", "1/2 ready", 500))
        : Promise.resolve(undefined);
    },
  });
  const running = queue.run();
  queue.add("stalled");
  queue.add("waiting");
  for (let i = 0; i < 100; i++) await clock.advance(100); // ten minutes' worth of retries, had they been due
  const stalledRuns = runs.filter((r) => r.key === "stalled");
  assert.equal(stalledRuns.length, 1, "a stalled key is left alone");
  const waited = runs.filter((r) => r.key === "waiting").map((r) => r.at);
  assert.deepEqual(
    waited.slice(1).map((t, i) => t - (waited[i] ?? 0)),
    [500, 500, 500],
    "the same delay each time: waiting is not a failure",
  );
  queue.add("stalled"); // the object (or what it references) changed
  await clock.advance(10);
  queue.stop();
  await running;
  assert.equal(runs.filter((r) => r.key === "stalled").length, 2);
  assert.deepEqual(
    outcomes.filter((o) => o !== "success"),
    ["stalled", "waiting", "waiting", "waiting", "stalled"],
  );
});
