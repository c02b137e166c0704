// Faults under load: eight clients keep executing (and re-executing) a pool of executionIds while Redis is
// killed (SIGKILL: every reservation is lost, since Redis keeps no data) and restarted, then Postgres is
// killed (immediate stop, crash recovery) and restarted. Whatever the timing: no executionId is ever answered
// 200 twice — after Redis comes back empty, the audit table's unique executionId is what refuses the second
// decision — every attestation handed out has its audit row with the same signature, and every answer is one
// the API documents for the situation (200, 422 replay, 409 in progress, 503 dependency down).
import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { eventually } from "../../support/kube.ts";
import { privateService } from "../../support/private-services.ts";
import { executeBody, post, startTestServer } from "../../support/server.ts";

const CLIENTS = 8;
const POOL = 300;
const ALLOWED = new Set([200, 409, 422, 503]);

test("faults under load: Redis and Postgres killed and restarted mid-load: no executionId succeeds twice, no attestation without its audit row", async (t) => {
  const redis = await privateService(t, "redis");
  const postgres = await privateService(t, "postgres");
  const s = await startTestServer(t, {
    redisUrl: redis.url,
    databaseUrl: postgres.url,
    env: { PARMANA_RATE_LIMIT_EXECUTE: "1000000" },
  });
  const key = s.files.keys.executor;
  const prefix = `load-${String(Date.now())}`;
  const successes = new Map<string, string[]>(); // executionId → signatures answered with 200
  const statuses = new Map<number, number>();
  let running = true;
  let sent = 0;

  const client = async (n: number): Promise<void> => {
    while (running) {
      // Half new ids, half from a pool that is soon all consumed: replays all the way through the faults.
      const i = sent++;
      const id = i % 2 ? `${prefix}-${String((n * 7919 + i) % POOL)}` : `${prefix}-new-${String(i)}`;
      const r = await post(`${s.url}/execute`, key, executeBody(id));
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) {
        const signature = String((r.body["attestation"] as Record<string, unknown>)["signature"]);
        successes.set(id, [...(successes.get(id) ?? []), signature]);
      }
    }
  };
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  const healthy = (what: string): Promise<boolean> =>
    eventually(
      what,
      async () => {
        const before = statuses.get(200) ?? 0;
        await pause(200);
        return (statuses.get(200) ?? 0) > before ? true : undefined;
      },
      60_000,
      100,
    );

  await healthy("decisions before any fault");
  const consumedBeforeRedisDied = successes.size;
  await redis.kill();
  await pause(1_500);
  await redis.start();
  await healthy("decisions after Redis came back empty");
  await postgres.kill();
  await pause(1_500);
  await postgres.start();
  await healthy("decisions after Postgres recovered");
  await pause(1_000);
  running = false;
  await load;

  const summary = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
  t.diagnostic(`answers by status: ${JSON.stringify(summary)}; ids decided: ${String(successes.size)}`);
  for (const status of statuses.keys()) assert.ok(ALLOWED.has(status), `unexpected status ${String(status)}`);
  assert.ok((statuses.get(503) ?? 0) > 0, "the outages were seen (503s)");
  assert.ok(consumedBeforeRedisDied > 0, "ids were consumed before Redis lost them");
  // A retry (the same signals) gets the decision made back; a second decision would carry another signature.
  for (const [id, signatures] of successes)
    assert.equal(new Set(signatures).size, 1, `${id} was decided ${String(new Set(signatures).size)} times`);

  const sql = new pg.Client({ connectionString: postgres.url });
  await sql.connect();
  const rows = await sql
    .query<{ execution_id: string; signature: string }>(
      "select execution_id, attestation->>'signature' as signature from audit_decisions where execution_id like $1",
      [`${prefix}-%`],
    )
    .finally(() => sql.end());
  const audited = new Map(rows.rows.map((r) => [r.execution_id, r.signature]));
  for (const [id, [signature]] of successes)
    assert.equal(audited.get(id), signature, `the attestation for ${id} has its audit row`);
  // A row whose commit reached Postgres just as it died may have been answered 503; never the reverse.
  t.diagnostic(`audit rows without a 200: ${String(audited.size - successes.size)}`);
  assert.ok(audited.size >= successes.size);
});
