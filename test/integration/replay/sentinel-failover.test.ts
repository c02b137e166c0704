// The once-only guarantee across a Sentinel failover, against test/infra's real topology (a primary, two
// replicas, three sentinels): 8 clients, half of them replaying ids the others used, while the primary is
// SIGKILLed — and, once a replica is promoted, the new primary too. Every executionId has at most one 200 and
// at most one audit row; requests during the election get 503, never a second decision; the server resumes by
// itself, and how long that took is reported. Then with PARMANA_REPLAY_MIN_REPLICAS=2 and one replica
// stopped, /execute answers 503 and recovers when the replica returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertOnceOnly,
  connectedReplicas,
  countByStatus,
  executeLoad,
  firstDecisionAfter,
  kill9,
  restartDead,
  restart,
  sentinelHealed,
  sentinelPrimary,
  waitFor,
  type Answer,
} from "../../support/redis-ha.ts";
import { REPLAY_SIGNALS, executeBody, post, startTestServer, uniqueId } from "../../support/server.ts";
import { redisSentinelService } from "../../support/services.ts";
import { setTimeout as sleep } from "node:timers/promises";

/** The load is the test, not the rate limiter. */
const UNLIMITED = { PARMANA_RATE_LIMIT_EXECUTE: "1000000" };

test("sentinel: the primary SIGKILLed twice under load — no executionId decided twice, 503 during the election, service resumes by itself", async (t) => {
  const ha = redisSentinelService();
  await restartDead(ha.nodes);
  await sentinelHealed(ha.sentinels, ha.master);
  t.after(() => restartDead(ha.nodes));
  const s = await startTestServer(t, { redisUrl: ha.url, env: UNLIMITED });
  const stop = new AbortController();
  const answers: Answer[] = [];
  const load = executeLoad(s.url, s.files.keys.executor, 8, stop.signal, answers);
  const recoveries: number[] = [];
  try {
    await sleep(2_000);
    for (let round = 0; round < 2; round++) {
      const primary = await sentinelPrimary(ha.sentinels, ha.master);
      const node = ha.nodes.find((n) => n.port === primary);
      assert.ok(node, `the primary ${String(primary)} is one of the topology's nodes`);
      const killedAt = Date.now();
      kill9(node);
      await waitFor(
        "a decision after the failover",
        () => Promise.resolve(firstDecisionAfter(answers, killedAt + 50) !== undefined),
        60_000,
      );
      recoveries.push((firstDecisionAfter(answers, killedAt + 50) ?? Date.now()) - killedAt);
      assert.notEqual(await sentinelPrimary(ha.sentinels, ha.master), primary, "a replica was promoted");
      await restart(node); // as a supervisor would; the sentinels make it a replica of the new primary
      await sentinelHealed(ha.sentinels, ha.master);
      await sleep(1_000);
    }
  } finally {
    stop.abort();
    await load;
    t.diagnostic(
      `recovery after each SIGKILL (kill → first new decision): ${recoveries.map((ms) => `${String(ms)} ms`).join(", ")}`,
    );
    t.diagnostic(`answers by status: ${JSON.stringify(countByStatus(answers))}`);
  }
  await assertOnceOnly(answers, s.databaseUrl);
});

test("sentinel: with PARMANA_REPLAY_MIN_REPLICAS=2 and one replica stopped, /execute is 503 until it returns", async (t) => {
  const ha = redisSentinelService();
  await restartDead(ha.nodes);
  await sentinelHealed(ha.sentinels, ha.master);
  t.after(() => restartDead(ha.nodes));
  const s = await startTestServer(t, {
    redisUrl: ha.url,
    env: { ...UNLIMITED, PARMANA_REPLAY_MIN_REPLICAS: "2", PARMANA_REPLAY_WAIT_MS: "200" },
  });
  assert.equal(
    (await post(`${s.url}/execute`, s.files.keys.executor, executeBody(uniqueId("mr")))).status,
    200,
  );
  const primary = await sentinelPrimary(ha.sentinels, ha.master);
  const replica = ha.nodes.find((n) => n.port !== primary);
  assert.ok(replica);
  kill9(replica);
  await waitFor("the primary to see one replica", async () => (await connectedReplicas(primary)) === 1);
  const refused = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(uniqueId("mr")));
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body["code"], "REPLAY_STORE_UNAVAILABLE");
  await restart(replica);
  await sentinelHealed(ha.sentinels, ha.master);
  const id = uniqueId("mr");
  assert.equal((await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id))).status, 200);
  const replay = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.equal(replay.status, 422, "the id is consumed on the replicas too");
});
