// Failing closed: with Redis down no decision is made; with Postgres down (audit required) no attestation
// leaves without its audit row, the reservation is released, and service resumes when each comes back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { eventually } from "../../support/kube.ts";
import { privateService } from "../../support/private-services.ts";
import { executeBody, post, startTestServer, uniqueId } from "../../support/server.ts";

test("faults: Redis stopped → /execute answers 503 with no attestation; Redis back → service resumes without a restart", async (t) => {
  const redis = await privateService(t, "redis");
  const s = await startTestServer(t, { redisUrl: redis.url });
  const key = s.files.keys.executor;
  assert.equal((await post(`${s.url}/execute`, key, executeBody(uniqueId()))).status, 200);

  await redis.stop();
  const id = uniqueId("redis-down");
  const down = await post(`${s.url}/execute`, key, executeBody(id));
  assert.equal(down.status, 503);
  assert.equal(down.body["code"], "REPLAY_STORE_UNAVAILABLE");
  assert.equal(down.body["attestation"], undefined);
  const ready = await fetch(`${s.url}/health/ready`);
  assert.equal(ready.status, 503, "not ready while Redis is down");
  assert.equal(
    (await s.client("auditor").audit.decisions({ limit: 100 })).decisions.some(
      (d) => d["executionId"] === id,
    ),
    false,
  );

  await redis.start();
  const resumed = await eventually(
    "the server to reconnect to Redis",
    async () => {
      const r = await post(`${s.url}/execute`, key, executeBody(id));
      return r.status === 200 ? r : undefined;
    },
    30_000,
    500,
  );
  assert.equal((resumed.body["attestation"] as { executionId: string }).executionId, id);
});

test("faults: Postgres stopped with audit required → 503, reservation released, nothing half-written; Postgres back → resumes", async (t) => {
  const postgres = await privateService(t, "postgres");
  const s = await startTestServer(t, { databaseUrl: postgres.url });
  const key = s.files.keys.executor;
  assert.equal((await post(`${s.url}/execute`, key, executeBody(uniqueId()))).status, 200);

  await postgres.stop();
  const id = uniqueId("pg-down");
  const down = await post(`${s.url}/execute`, key, executeBody(id));
  assert.equal(down.status, 503);
  assert.equal(down.body["code"], "AUDIT_UNAVAILABLE");
  assert.equal(down.body["attestation"], undefined);
  const redis = new Redis(s.env["REDIS_URL"] ?? "");
  t.after(() => {
    redis.disconnect();
  });
  assert.equal(
    await redis.hget(`parmana:replay:${id}`, "state"),
    "FAILED",
    "the reservation was released as FAILED",
  );
  // A replayed id during the outage is still refused by Redis, and its event waits in the spool.
  const replayedWhileDown = await post(`${s.url}/execute`, key, executeBody(id));
  assert.equal(replayedWhileDown.status, 503, "a FAILED id may be retried, but audit is still down");

  await postgres.start();
  const resumed = await eventually(
    "the server to reach Postgres again",
    async () => {
      const r = await post(`${s.url}/execute`, key, executeBody(id));
      return r.status === 200 ? r : undefined;
    },
    30_000,
    500,
  );
  assert.equal((resumed.body["attestation"] as { executionId: string }).executionId, id);
  const decision = await s.client("auditor").audit.decision(id);
  assert.equal(
    decision.attestation.signature,
    (resumed.body["attestation"] as { signature: string }).signature,
    "the audit row is the attestation that was returned",
  );
});
