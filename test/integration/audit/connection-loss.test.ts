// A Postgres connection that dies in the middle of a transaction fails that transaction and nothing else:
// the process stays up (pg emits 'error' on a checked-out client) and the pool serves the next query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connectPostgres } from "../../../src/audit/index.ts";
import { freshDatabase } from "../../support/server.ts";

test("audit.sql: a connection killed mid-transaction rejects that transaction; the pool carries on", async (t) => {
  const db = connectPostgres({ connectionString: await freshDatabase(t) });
  t.after(() => db.close());
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on("uncaughtException", onUncaught);
  t.after(() => process.off("uncaughtException", onUncaught));
  for (let i = 0; i < 3; i++) {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("select 1");
        await tx.query("select pg_terminate_backend(pg_backend_pid())");
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(uncaught, [], "no uncaught 'error' event from the dead connection");
  const [row] = await db.query<{ ok: number }>("select 1 as ok");
  assert.equal(row?.ok, 1);
});
