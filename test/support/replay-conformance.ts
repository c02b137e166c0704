// One behavioural suite for every ReplayStore, so Redis and memory are held to the same protocol.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReplayStore, ReplayTimings } from "../../src/replay/index.ts";

const SHORT: ReplayTimings = { reservedTtlMs: 300, failedTtlMs: 300 };

function bound(store: ReplayStore): ReplayStore {
  return {
    kind: store.kind,
    reserve: (id, fp, budget) => store.reserve(id, fp, budget),
    ...(store.count && { count: store.count.bind(store) }),
    complete: (id, token, state) => store.complete(id, token, state),
    fail: (id, token) => store.fail(id, token),
    resolveOverride: (id) => store.resolveOverride(id),
    state: (id) => store.state(id),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

export interface OpenedStore {
  readonly store: ReplayStore;
  readonly dispose: () => Promise<void>;
}

export function replayStoreConformance(
  name: string,
  openStore: (timings: ReplayTimings) => Promise<OpenedStore>,
): void {
  // Each test gets a store; the store's own close() is exercised and then its connection is disposed of.
  const open = async (timings: ReplayTimings): Promise<ReplayStore> => {
    const { store, dispose } = await openStore(timings);
    return {
      ...bound(store),
      close: async () => {
        await store.close();
        await dispose();
      },
    };
  };
  const id = (): string => `conformance-${randomUUID()}`;

  test(`replay.${name}: a completed id is consumed; a live reservation is in flight`, async () => {
    const store = await open(SHORT);
    const x = id();
    const first = await store.reserve(x, "fp-1");
    if (first.outcome !== "reserved") assert.fail("the first reservation must succeed");
    assert.deepEqual(await store.reserve(x, "fp-2"), { outcome: "in_flight", fingerprint: "fp-1" });
    assert.equal(await store.complete(x, first.token, "CONFIRMED"), true);
    assert.deepEqual(await store.reserve(x, "fp-1"), {
      outcome: "consumed",
      state: "CONFIRMED",
      fingerprint: "fp-1",
    });
    await sleep(400);
    assert.equal(
      (await store.reserve(x, "fp-1")).outcome,
      "consumed",
      "a consumed id never expires by default",
    );
    await store.close();
  });

  test(`replay.${name}: only the token holder moves a reservation on`, async () => {
    const store = await open(SHORT);
    const x = id();
    const r = await store.reserve(x, "fp");
    assert.equal(r.outcome, "reserved");
    assert.equal(await store.complete(x, "not-the-token", "CONFIRMED"), false);
    assert.equal(await store.fail(x, "not-the-token"), false);
    assert.equal(await store.state(x), "RESERVED");
    await store.close();
  });

  test(`replay.${name}: FAILED and expired reservations may be taken again; CONFIRMED may not`, async () => {
    const store = await open(SHORT);
    const failed = id();
    const r = await store.reserve(failed, "fp");
    assert.ok(r.outcome === "reserved" && (await store.fail(failed, r.token)));
    assert.equal(await store.state(failed), "FAILED");
    assert.equal((await store.reserve(failed, "fp")).outcome, "reserved", "FAILED may be retried at once");
    const abandoned = id();
    await store.reserve(abandoned, "fp");
    await sleep(450);
    assert.equal(await store.state(abandoned), undefined, "an abandoned reservation expires");
    assert.equal((await store.reserve(abandoned, "fp")).outcome, "reserved");
    await store.close();
  });

  test(`replay.${name}: PENDING_OVERRIDE is consumed and resolves to OVERRIDDEN exactly once`, async () => {
    const store = await open(SHORT);
    const x = id();
    const r = await store.reserve(x, "fp");
    assert.ok(r.outcome === "reserved" && (await store.complete(x, r.token, "PENDING_OVERRIDE")));
    assert.deepEqual(await store.reserve(x, "fp"), {
      outcome: "consumed",
      state: "PENDING_OVERRIDE",
      fingerprint: "fp",
    });
    assert.equal(await store.resolveOverride(x), true);
    assert.equal(await store.resolveOverride(x), false);
    assert.equal(await store.state(x), "OVERRIDDEN");
    assert.equal(await store.resolveOverride(id()), false);
    await store.close();
  });

  test(`replay.${name}: of 100 concurrent reservations of one id exactly one wins`, async () => {
    const store = await open(SHORT);
    const x = id();
    const results = await Promise.all(Array.from({ length: 100 }, () => store.reserve(x, "fp")));
    assert.equal(results.filter((r) => r.outcome === "reserved").length, 1);
    assert.equal(results.filter((r) => r.outcome === "in_flight").length, 99);
    await store.close();
  });

  test(`replay.${name}: a budget is counted with the reservation; over it nothing is reserved, and the window ends`, async () => {
    const store = await open(SHORT);
    const budget = { key: `conformance-budget-${randomUUID()}`, max: 2, windowMs: 400 };
    const [a, b, c] = [id(), id(), id()];
    const first = await store.reserve(a, "fp", budget);
    assert.equal(first.outcome, "reserved");
    assert.deepEqual([first.rate?.count, first.rate?.max], [1, 2]);
    assert.ok((first.rate?.resetInMs ?? 0) > 0 && (first.rate?.resetInMs ?? 0) <= 400);
    assert.equal((await store.reserve(a, "fp", budget)).rate?.count, 2, "a replay is counted too");
    const over = await store.reserve(b, "fp", budget);
    assert.deepEqual([over.outcome, over.rate?.count], ["rate_limited", 3]);
    assert.equal(await store.state(b), undefined, "over the budget nothing was reserved");
    const alone = await store.count?.(budget);
    assert.equal(alone?.count, 4, "a store that keeps budgets counts one alone, into the same budget");
    await sleep(450);
    const next = await store.reserve(c, "fp", budget);
    assert.deepEqual([next.outcome, next.rate?.count], ["reserved", 1], "a new window");
    assert.equal((await store.reserve(id(), "fp")).rate, undefined, "no budget, no count");
    await store.close();
  });

  test(`replay.${name}: of 60 concurrent reservations within a budget of 25, exactly 25 are let through`, async () => {
    const store = await open(SHORT);
    const budget = { key: `conformance-budget-${randomUUID()}`, max: 25, windowMs: 5_000 };
    const results = await Promise.all(Array.from({ length: 60 }, () => store.reserve(id(), "fp", budget)));
    assert.equal(results.filter((r) => r.outcome === "reserved").length, 25);
    assert.equal(results.filter((r) => r.outcome === "rate_limited").length, 35);
    assert.deepEqual(
      results.map((r) => r.rate?.count).sort((x = 0, y = 0) => x - y),
      Array.from({ length: 60 }, (_, i) => i + 1),
      "each request counted once",
    );
    await store.close();
  });
}
