// GET /audit/security's summary must cost the same at a million events as at ten: every part of it is an index
// range read, never a scan of the events. Checked on the embedded database with sequential scans priced out,
// so a statement that has no index path (as the soak found the previous one had) still shows a Seq Scan.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuditStore, migrate, openPglite, type SqlClient } from "../../../src/audit/index.ts";

/** A client that records every statement and its parameters before running it. */
function recording(db: SqlClient, seen: { sql: string; params: readonly unknown[] }[]): SqlClient {
  return {
    ...db,
    query: (sql, params = []) => {
      seen.push({ sql, params });
      return db.query(sql, params);
    },
  };
}

for (const [name, range] of [
  ["an open range", {}],
  ["a range across hours", { from: new Date("2026-12-01T10:15:00Z"), to: new Date("2026-12-01T13:40:00Z") }],
  [
    "a range inside one hour",
    { from: new Date("2026-12-01T10:05:00Z"), to: new Date("2026-12-01T10:55:00Z") },
  ],
] as const)
  test(`security summary: ${name} reads the events by index only`, async (t) => {
    const db = await openPglite();
    t.after(() => db.close());
    await migrate(db);
    const seen: { sql: string; params: readonly unknown[] }[] = [];
    await new AuditStore(recording(db, seen)).securitySummary({ ...range, limit: 50 });
    const statement = seen.find((s) => s.sql.includes("audit_security_rollup"));
    assert.ok(statement, "the summary's statement was seen");
    await db.exec("set enable_seqscan = off");
    const plan = (await db.query<{ "QUERY PLAN": string }>(`explain ${statement.sql}`, statement.params))
      .map((r) => r["QUERY PLAN"])
      .join("\n");
    assert.doesNotMatch(plan, /Seq Scan on audit_security_events/, plan);
  });
