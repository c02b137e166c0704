// The fault seams against the real services: Postgres refusing the override's write at exactly that moment;
// a Redis that lost its data, or let an id expire after the replay window, while the decision is in Postgres.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import pg from "pg";
import { eventually } from "../../support/kube.ts";
import { privateService } from "../../support/private-services.ts";
import {
  executeBody,
  overrideBody,
  post,
  REVIEW_SIGNALS,
  startTestServer,
  uniqueId,
  REPLAY_SIGNALS,
} from "../../support/server.ts";

test("fault seam (Postgres): an override whose audit write fails is retryable until it is written", async (t) => {
  const s = await startTestServer(t);
  const db = new pg.Client({ connectionString: s.databaseUrl });
  await db.connect();
  db.on("error", () => undefined); // the database is dropped (with force) when the test ends
  t.after(() => db.end().catch(() => undefined));
  const id = uniqueId("review");
  const pending = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REVIEW_SIGNALS));
  assert.equal(pending.body["status"], "pending_override");
  // The database refuses the override row (as a full disk, a failover or a lost connection would).
  await db.query(`create function refuse_override() returns trigger language plpgsql as $$
    begin raise exception 'injected: audit_overrides unavailable'; end $$`);
  await db.query(
    "create trigger refuse_override before insert on audit_overrides for each row execute function refuse_override()",
  );
  const request = overrideBody(id);
  const failed = await post(`${s.url}/override`, s.files.keys.approver, request);
  assert.equal(failed.status, 503, JSON.stringify(failed.body));
  const [row] = (
    await db.query<{ execution_state: string }>(
      "select execution_state from audit_decisions where execution_id = $1",
      [id],
    )
  ).rows;
  assert.equal(row?.execution_state, "pending_override", "nothing changed in the audit table");

  await db.query("drop trigger refuse_override on audit_overrides");
  const retried = await post(`${s.url}/override`, s.files.keys.approver, request);
  assert.deepEqual(
    [retried.status, retried.body["status"]],
    [200, "overridden_approved"],
    JSON.stringify(retried.body),
  );
  const again = await post(`${s.url}/override`, s.files.keys.approver, request);
  assert.deepEqual([again.status, again.body["code"]], [409, "NOT_PENDING_OVERRIDE"]);
  assert.equal((await db.query("select 1 from audit_overrides where execution_id = $1", [id])).rowCount, 1);
});

test("fault seam (Redis): after Redis lost its data, a replay the audit table catches is recorded and Redis learns the id", async (t) => {
  const redis = await privateService(t, "redis");
  const s = await startTestServer(t, { redisUrl: redis.url });
  const id = uniqueId("lost");
  assert.equal((await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id))).status, 200);
  const admin = new Redis(redis.url);
  admin.on("error", () => undefined); // the private Redis stops when the test ends
  t.after(() => admin.quit().catch(() => undefined));
  await admin.flushall();

  const caught = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([caught.status, caught.body["code"]], [422, "INV-013"]);
  assert.equal(await s.server.context.replay.state(id), "CONFIRMED", "Redis knows the id as consumed again");
  const again = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual([again.status, again.body["code"]], [422, "INV-013"]);

  await s.server.context.events.flush();
  const events = await s.client("auditor").audit.events({ type: "replay_attempt", limit: 50 });
  const mine = events.events.filter((e) => e["execution_id"] === id).reverse();
  assert.equal(mine.length, 2, "both replays recorded");
  assert.equal((mine[0]?.["details"] as Record<string, unknown>)["detectedBy"], "decision_log");
  assert.equal(
    (mine[1]?.["details"] as Record<string, unknown>)["state"],
    "CONFIRMED",
    "then Redis refuses it first",
  );
});

test("replay window (Redis + Postgres): an id older than PARMANA_REPLAY_RETENTION_SECONDS is refused, recorded, and Redis learns it", async (t) => {
  const s = await startTestServer(t, { env: { PARMANA_REPLAY_RETENTION_SECONDS: "1" } });
  const id = uniqueId("window");
  assert.equal((await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id))).status, 200);
  await eventually(
    "Redis to forget the id after the 1 s window",
    async () => ((await s.server.context.replay.state(id)) === undefined ? true : undefined),
    10_000,
    100,
  );
  const replayed = await post(`${s.url}/execute`, s.files.keys.executor, executeBody(id, REPLAY_SIGNALS));
  assert.deepEqual(
    [replayed.status, replayed.body["code"], replayed.body["attestation"]],
    [422, "INV-013", undefined],
  );
  assert.equal(await s.server.context.replay.state(id), "CONFIRMED", "Redis knows it again");
  await s.server.context.events.flush();
  const events = await s.client("auditor").audit.events({ type: "replay_attempt", limit: 50 });
  assert.equal(
    (
      events.events.find((e) => e["execution_id"] === id)?.["details"] as Record<string, unknown> | undefined
    )?.["detectedBy"],
    "decision_log",
  );
});
