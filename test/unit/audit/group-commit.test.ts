import { test } from "node:test";
import assert from "node:assert/strict";
import { GroupCommit } from "../../../src/audit/group-commit.ts";

test("audit.group-commit: concurrent submissions share batches, and each resolves only after its batch is written", async () => {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const group = new GroupCommit<number>(
    async (items) => {
      batches.push([...items]);
      await gate;
    },
    () => Promise.reject(new Error("not used")),
    { maxInFlight: 1 },
  );
  let done = 0;
  const all = Array.from({ length: 50 }, (_, i) => group.submit(i).then(() => (done += 1)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, 0, "nobody is told the row is written before the write completes");
  release();
  await Promise.all(all);
  assert.equal(done, 50);
  assert.ok(batches.length < 50, `${String(batches.length)} writes for 50 rows`);
  assert.deepEqual(
    batches.flat().sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test("audit.group-commit: when a batch fails, its rows are retried alone so one bad row fails only its caller", async () => {
  const group = new GroupCommit<number>(
    (items) => (items.includes(13) ? Promise.reject(new Error("duplicate key")) : Promise.resolve(undefined)),
    (item) => (item === 13 ? Promise.reject(new Error("duplicate key 13")) : Promise.resolve()),
    { maxInFlight: 1 },
  );
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => group.submit(i)));
  const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
  assert.deepEqual(rejected, [13]);
});

test("audit.group-commit: a batch may refuse single items without failing the others or the batch", async () => {
  let writes = 0;
  const group = new GroupCommit<number>(
    (items) => {
      writes += 1;
      return Promise.resolve(items.map((i) => (i % 5 === 0 ? new Error(`refused ${String(i)}`) : undefined)));
    },
    () => Promise.reject(new Error("never retried alone")),
    { maxInFlight: 1 },
  );
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => group.submit(i)));
  assert.deepEqual(
    results.flatMap((r, i) => (r.status === "rejected" ? [i] : [])),
    [0, 5, 10, 15],
  );
  assert.ok(writes < 20, "still grouped");
});
