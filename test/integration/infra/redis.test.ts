import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { connectRedis } from "../../support/clients.ts";
import { redisService, usingService } from "../../support/services.ts";

const redis = redisService();

test("redis: SET NX PX takes a key once and releases it when the TTL runs out", async () => {
  const client = await connectRedis(redis);
  const key = `test:infra:${randomUUID()}`;
  try {
    await usingService(redis, async () => {
      assert.equal(await client.set(key, "first", "PX", 300, "NX"), "OK");
      assert.equal(await client.set(key, "second", "PX", 300, "NX"), null);
      assert.equal(await client.get(key), "first");
      const ttl = await client.pttl(key);
      assert.ok(ttl > 0 && ttl <= 300, `PTTL ${String(ttl)} should be within (0, 300]`);
      await sleep(400);
      assert.equal(await client.get(key), null);
      assert.equal(await client.set(key, "third", "PX", 300, "NX"), "OK");
    });
  } finally {
    await client.del(key).catch(() => undefined);
    client.disconnect();
  }
});

test("redis: a Lua compare-and-set script runs atomically on the server", async () => {
  const client = await connectRedis(redis);
  const key = `test:infra:${randomUUID()}`;
  const compareAndSet = `
    if redis.call('GET', KEYS[1]) == ARGV[1] then
      redis.call('SET', KEYS[1], ARGV[2])
      return 1
    end
    return 0`;
  try {
    await usingService(redis, async () => {
      await client.set(key, "v1");
      assert.equal(await client.eval(compareAndSet, 1, key, "v1", "v2"), 1);
      assert.equal(await client.eval(compareAndSet, 1, key, "v1", "v3"), 0);
      assert.equal(await client.get(key), "v2");
      // Many concurrent swaps from the same expected value: exactly one may win.
      await client.set(key, "start");
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client.eval(compareAndSet, 1, key, "start", `winner-${String(i)}`),
        ),
      );
      assert.equal(results.filter((r) => r === 1).length, 1);
    });
  } finally {
    await client.del(key).catch(() => undefined);
    client.disconnect();
  }
});
