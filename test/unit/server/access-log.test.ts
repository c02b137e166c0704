import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiAccessLog } from "../../../src/server/access-log.ts";
import type { ApiAccessRecord } from "../../../src/audit/index.ts";

const entry = (n: number): ApiAccessRecord => ({
  requestId: `r${String(n)}`,
  apiKeyId: null,
  method: "GET",
  path: "/health",
  status: 200,
  durationMs: 1,
  at: new Date(),
});

/** A store that takes a few milliseconds per INSERT, like Postgres, and can be made to fail. */
function slowStore(): {
  written: ApiAccessRecord[];
  failing: boolean;
  recordApiAccess(rows: readonly ApiAccessRecord[]): Promise<void>;
} {
  const store = {
    written: [] as ApiAccessRecord[],
    failing: false,
    async recordApiAccess(rows: readonly ApiAccessRecord[]): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (store.failing) throw new Error("audit database down");
      store.written.push(...rows);
    },
  };
  return store;
}

test("access log: a sustained rate above one batch a second is written in full, nothing dropped", async () => {
  const store = slowStore();
  let dropped = 0;
  const log = new ApiAccessLog(store, (n) => (dropped += n), { intervalMs: 1_000, limit: 10_000 });
  // 30,000 rows in 300 ms: ten times what one batch per interval could take, three times the buffer.
  for (let tick = 0; tick < 30; tick++) {
    for (let i = 0; i < 1_000; i++) log.record(entry(tick * 1_000 + i));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await log.close();
  assert.equal(dropped, 0);
  assert.equal(store.written.length, 30_000);
  assert.deepEqual(store.written.map((r) => r.requestId).slice(0, 3), ["r0", "r1", "r2"], "in order");
});

test("access log: while the database is down rows wait up to the limit, the rest are counted as dropped", async () => {
  const store = slowStore();
  store.failing = true;
  let dropped = 0;
  const log = new ApiAccessLog(store, (n) => (dropped += n), { intervalMs: 60_000, limit: 2_500 });
  for (let i = 0; i < 4_000; i++) log.record(entry(i));
  await log.flush();
  assert.equal(log.pending + dropped, 4_000, "every row is either waiting or counted");
  assert.ok(log.pending <= 2_500);
  store.failing = false;
  await log.close();
  assert.equal(store.written.length + dropped, 4_000);
  assert.equal(log.pending, 0);
});
