// An outbox in a fresh Postgres database, filled the way the server fills it, for the export tests.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { AuditStore, connectPostgres, migrate, type SqlClient } from "../../src/audit/index.ts";
import { SecurityEventBus } from "../../src/events/index.ts";
import { freshDatabase } from "./server.ts";

/** A fresh, migrated Postgres database holding the outbox. */
export async function outboxDatabase(t: TestContext): Promise<SqlClient> {
  const db = connectPostgres({ connectionString: await freshDatabase(t) });
  t.after(() => db.close());
  await migrate(db);
  return db;
}

/** Raises `count` unauthorized_access events (no coalescing) into the audit table and its outbox. */
export async function raiseIntoOutbox(db: SqlClient, count: number): Promise<void> {
  const audit = new AuditStore(db);
  const bus = new SecurityEventBus({
    source: { component: "server", instance: "outage-test" },
    sinks: [{ name: "audit", write: (events) => audit.appendSecurityEvents(events) }],
    coalesceWindowMs: 0,
  });
  for (let i = 0; i < count; i++) {
    bus.raise({
      type: "unauthorized_access",
      message: `guess ${String(i)}`,
      actor: { clientIp: `10.0.${String(i % 250)}.1` },
    });
  }
  await bus.flush();
  assert.equal(bus.pending, 0);
}
