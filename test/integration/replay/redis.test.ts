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
