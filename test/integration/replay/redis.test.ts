import { test } from "node:test";
import assert from "node:assert/strict";
import { RedisReplayStore, ReplayStoreUnavailableError } from "../../../src/replay/index.ts";
import { connectRedis } from "../../support/clients.ts";
import { replayStoreConformance } from "../../support/replay-conformance.ts";

replayStoreConformance("redis", async (timings) => {
  const redis = await connectRedis();
  return {
    store: new RedisReplayStore(redis, timings),
    dispose: () => {
      redis.disconnect();
      return Promise.resolve();
    },
  };
});

test("replay.redis: an unreachable Redis fails closed with ReplayStoreUnavailableError", async () => {
  const redis = await connectRedis();
  redis.disconnect();
  const store = new RedisReplayStore(redis);
  await assert.rejects(store.reserve("unreachable", "fp"), ReplayStoreUnavailableError);
  assert.equal(await store.ping(), false);
});

test("replay.redis: a reservation with a budget is one command to Redis (rate limit and reservation in one script)", async () => {
  const redis = await connectRedis();
  const store = new RedisReplayStore(redis);
  const sent: string[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    sent.push(command.name);
    return send(command, stream);
  };
  const budget = { key: `rt-budget-${String(Date.now())}`, max: 5, windowMs: 60_000 };
  for (let i = 0; i < 5; i++) {
    const r = await store.reserve(`rt-${String(Date.now())}-${String(i)}`, "fp", budget);
    assert.equal(r.outcome, "reserved");
  }
  assert.equal((await store.reserve(`rt-over-${String(Date.now())}`, "fp", budget)).outcome, "rate_limited");
  // evalsha, or eval once when the script was not yet cached on this server.
  assert.equal(sent.filter((c) => c !== "eval").length, 6, sent.join(","));
  assert.ok(
    sent.every((c) => c === "evalsha" || c === "eval"),
    sent.join(","),
  );
  const counter = await redis.get(budget.key);
  assert.equal(counter, "6", "the rate limiter's counter, under its own key");
  redis.disconnect();
});
