// Time-partitioned audit tables on PGlite: migration 5 moves a populated database with nothing lost (counts and
// the chain verified before and after), partitions are made ahead of need, and retention removes whole
// partitions only.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  AuditStore,
  maintainPartitions,
  migrate,
  openPglite,
  partitionsOf,
  type SqlClient,
} from "../../../src/audit/index.ts";
import { buildSecurityEvent } from "../../../src/events/index.ts";

async function database(t: TestContext, upTo?: number): Promise<SqlClient> {
  const db = await openPglite();
  t.after(() => db.close());
  await migrate(db, upTo);
  return db;
}

const counts = async (db: SqlClient): Promise<Record<string, string>> => {
  const [row] = await db.query<Record<string, string>>(
    `select (select count(*) from audit_security_events)::text as events,
            (select count(*) from audit_api_access)::text as access,
            (select count(*) from audit_verifications)::text as verifications`,
  );
  return row ?? {};
};

test("partitions: migration 5 on a populated database keeps every row, id and the chain", async (t) => {
  const db = await database(t, 4);
  const store = new AuditStore(db);
  const old = new Date(Date.now() - 90 * 86_400_000);
  await store.appendSecurityEvents(
    Array.from({ length: 25 }, (_, i) =>
      buildSecurityEvent(
        { type: "replay_attempt", message: `e${String(i)}`, occurredAt: i < 10 ? old : new Date() },
        { component: "server", instance: "t" },
      ),
    ),
  );
  await store.recordApiAccess(
    [old, new Date()].map((at, i) => ({
      requestId: `r${String(i)}`,
      apiKeyId: null,
      method: "GET",
      path: "/",
      status: 200,
      durationMs: 1,
      at,
    })),
  );
  await store.decisionLog.recordVerification({
    executionId: "x",
    valid: true,
    checks: {},
    signerKeyId: null,
    apiKeyId: null,
    requestId: null,
  });
  const before = await counts(db);
  // The chain as written (this code reads the columns of the newest schema, so it verifies after the migrations).
  const ids = await db.query<{ id: string; row_hash: string }>(
    "select id::text as id, row_hash from audit_security_events order by id",
  );
  assert.equal(ids.length, 25);

  assert.deepEqual(await migrate(db, 5), [5]);
  assert.deepEqual(await counts(db), before, "every row moved");
  assert.deepEqual(
    await db.query("select id::text as id, row_hash from audit_security_events order by id"),
    ids,
    "with its id and hash",
  );
  assert.deepEqual(await migrate(db), [6, 7, 8, 9]);
  assert.deepEqual(await store.verifyChain(), { checked: 25 }, "the chain verifies");
  assert.equal(await store.verifyRollup(), undefined);
  const [kind] = await db.query<{ relkind: string }>(
    "select relkind from pg_class where relname = 'audit_security_events'",
  );
  assert.equal(kind?.relkind, "p", "a partitioned table");
  const [inDefault] = await db.query<{ n: string }>(
    "select count(*)::text as n from audit_security_events_default",
  );
  assert.equal(inDefault?.n, "0", "old rows went to their months' partitions, not the default");
  // New rows keep numbering after the moved ones, and still chain.
  await store.appendSecurityEvents([
    buildSecurityEvent({ type: "invalid_policy", message: "new" }, { component: "server", instance: "t" }),
  ]);
  const [last] = await db.query<{ id: string }>("select max(id)::text as id from audit_security_events");
  assert.equal(last?.id, "26");
  assert.deepEqual(await store.verifyChain(), { checked: 26 });
});

test("partitions: maintenance makes partitions ahead, and retention drops whole partitions past it only", async (t) => {
  const db = await database(t);
  const store = new AuditStore(db);
  const now = new Date();
  const day = 86_400_000;
  const first = await maintainPartitions(db, now);
  assert.equal(first.inDefault, 0);
  const access = await partitionsOf(db, "audit_api_access");
  assert.ok((access.at(-1)?.from.getTime() ?? 0) >= now.getTime() + 13 * day, "two weeks of days ahead");
  const months = await partitionsOf(db, "audit_decisions");
  assert.ok((months.at(-1)?.from.getTime() ?? 0) > now.getTime() + 80 * day, "three months ahead");

  // Access rows 40 days old, 10 days old and today, in partitions made for them.
  const ages = [40, 10, 0];
  for (const age of ages) await maintainPartitions(db, new Date(now.getTime() - age * day));
  await store.recordApiAccess(
    ages.map((age, i) => ({
      requestId: `r${String(i)}`,
      apiKeyId: null,
      method: "GET",
      path: "/",
      status: 200,
      durationMs: 1,
      at: new Date(now.getTime() - age * day),
    })),
  );
  const decisionPartitions = (await partitionsOf(db, "audit_decisions")).length;
  const report = await maintainPartitions(db, now, { audit_api_access: 30 });
  assert.ok(report.dropped.length > 0 && report.dropped.every((n) => n.startsWith("audit_api_access_p")));
  const left = await db.query<{ request_id: string }>("select request_id from audit_api_access order by at");
  assert.deepEqual(
    left.map((r) => r.request_id),
    ["r1", "r2"],
    "the 40-day-old partition is gone; the rest untouched",
  );
  assert.ok(
    (await partitionsOf(db, "audit_api_access")).every((p) => p.to.getTime() > now.getTime() - 30 * day),
  );
  assert.deepEqual((await maintainPartitions(db, now, { audit_api_access: 30 })).dropped, [], "idempotent");
  assert.equal(
    (await partitionsOf(db, "audit_decisions")).length,
    decisionPartitions,
    "tables without retention keep all",
  );
});

test("partitions: the owner's drop function removes only whole partitions past the floor, never security events", async (t) => {
  const db = await database(t);
  const day = 86_400_000;
  const code = async (sql: string, params: unknown[]): Promise<string> =>
    db.query(sql, params).then(
      () => "dropped",
      (error: unknown) => {
        for (let e: unknown = error; e instanceof Error; e = e.cause) {
          const { code } = e as { code?: unknown };
          if (typeof code === "string") return code;
        }
        return String(error);
      },
    );
  const make = async (table: string, period: string, at: Date): Promise<string> => {
    const [row] = await db.query<{ name: string }>("select parmana_make_partition($1, $2, $3) as name", [
      table,
      period,
      at,
    ]);
    return row?.name ?? "";
  };
  const drop = "select parmana_drop_partition($1, $2)";
  const recent = await make("audit_api_access", "day", new Date(Date.now() - 3 * day));
  const old = await make("audit_api_access", "day", new Date(Date.now() - 10 * day));
  const oldEvents = await make("audit_security_events", "month", new Date(Date.now() - 100 * day));
  assert.equal(await code(drop, ["audit_api_access", recent]), "42501", "inside the 7-day floor");
  assert.equal(
    await code(drop, ["audit_security_events", oldEvents]),
    "42501",
    "security events: archive only",
  );
  assert.equal(await code(drop, ["audit_api_access", "audit_api_access_default"]), "42501", "no range");
  assert.equal(await code(drop, ["audit_api_access", oldEvents]), "22023", "not a partition of that table");
  assert.equal(await code(drop, ["audit_api_access", old]), "dropped");
  assert.equal(await code("select parmana_make_partition('schema_migrations', 'day', now())", []), "22023");

  const report = await maintainPartitions(db, new Date(), { audit_decisions: 7, audit_api_access: 8 });
  assert.deepEqual(report.belowFloor, [{ table: "audit_decisions", days: 7, floorDays: 90 }]);
  await db.query("update audit_retention_floor set min_days = 5 where table_name = 'audit_decisions'");
  const lowered = await maintainPartitions(db, new Date(), { audit_decisions: 7 });
  assert.deepEqual(lowered.belowFloor, [], "the owner lowered the floor");
});

test("partitions: migrate changes nothing on a current schema (a role that may not change it starts)", async (t) => {
  const db = await database(t);
  const statements: string[] = [];
  const watching = {
    ...db,
    query: (sql: string, params?: readonly unknown[]) => {
      statements.push(sql);
      return db.query(sql, params);
    },
    transaction: () => Promise.reject(new Error("migrate opened a transaction on a current schema")),
  } as SqlClient;
  assert.deepEqual(await migrate(watching), []);
  assert.ok(
    statements.every((s) => /^\s*select/i.test(s)),
    statements.join("\n"),
  );
});
