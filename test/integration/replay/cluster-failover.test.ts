// The once-only guarantee across a Redis Cluster failover, against test/infra's real cluster (three primaries,
// three replicas): 8 clients, half of them replaying ids the others used, while one primary is SIGKILLed. Ids
// whose slots it served get 503 until its replica is promoted, never a second decision; the rest go on; the
// server resumes by itself, and how long that took is reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  assertOnceOnly,
  clusterHealed,
  clusterNodes,
  countByStatus,
  executeLoad,
  idInSlots,
  kill9,
  restartDead,
  restart,
  waitFor,
  type Answer,
} from "../../support/redis-ha.ts";
import { executeBody, post, startTestServer } from "../../support/server.ts";
import { redisClusterService } from "../../support/services.ts";

/** The load is the test, not the rate limiter. */
const UNLIMITED = { PARMANA_RATE_LIMIT_EXECUTE: "1000000" };

test("cluster: a primary SIGKILLed under load — no executionId decided twice, its slots 503 until the replica takes over, then served again", async (t) => {
  const cluster = redisClusterService();
  await restartDead(cluster.nodes);
  await clusterHealed(cluster.nodes);
  t.after(() => restartDead(cluster.nodes));
  const s = await startTestServer(t, { redisUrl: cluster.url, env: UNLIMITED });
  const stop = new AbortController();
  const answers: Answer[] = [];
  const load = executeLoad(s.url, s.files.keys.executor, 8, stop.signal, answers);
  try {
    await sleep(3_000);
    const first = cluster.nodes[0]?.port ?? 0;
    const victim = (await clusterNodes(first)).find((n) => n.primary && !n.failed);
    assert.ok(victim, "a primary to kill");
    const node = cluster.nodes.find((n) => n.port === victim.port);
    assert.ok(node);
    const probeFrom = cluster.nodes.find((n) => n.port !== victim.port)?.port ?? first;
    const killedAt = Date.now();
    kill9(node);
    // Its replica takes over; then it is started again, as a StatefulSet would, and becomes the new primary's
    // replica: with one replica per primary (and PARMANA_REPLAY_MIN_REPLICAS=1) that shard is refused until
    // then, since nothing could hold a reservation durably.
    await waitFor(
      "the killed primary's replica to take over its slots",
      async () =>
        (await clusterNodes(probeFrom)).some(
          (n) =>
            n.port !== victim.port &&
            n.primary &&
            !n.failed &&
            n.slots.some(([from]) => from === victim.slots[0]?.[0]),
        ),
      30_000,
    );
    const promotedAfter = Date.now() - killedAt;
    await restart(node);
    // Probe the killed primary's slots with fresh ids until one is decided again.
    let probes = 0;
    await waitFor(
      "the killed primary's slots to be served again",
      async () => {
        const id = await idInSlots(probeFrom, victim.slots, `probe-${String(probes++)}`);
        const answer = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id));
        answers.push({ id, status: answer.status, at: Date.now(), replay: false });
        return answer.status === 200;
      },
      60_000,
    );
    t.diagnostic(
      `kill → replica promoted: ${String(promotedAfter)} ms; kill → first 200 in its slots again: ${String(Date.now() - killedAt)} ms`,
    );
    await clusterHealed(cluster.nodes);
    await sleep(2_000);
  } finally {
    stop.abort();
    await load;
  }
  t.diagnostic(`answers by status: ${JSON.stringify(countByStatus(answers))}`);
  await assertOnceOnly(answers, s.databaseUrl);
});
