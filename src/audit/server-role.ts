// What the governance server's database role needs, and nothing more: add and read audit rows, move a pending
// decision to its override once (one column), keep the hourly rollup, run the export outbox (a transport queue
// whose delivered rows are pruned; not part of the audit trail), and the two owner's functions for partitions.
// No DELETE, TRUNCATE or DDL on any audit table. Granted by the owner with `parmana audit migrate --grant ROLE`.
import type { SqlClient } from "./sql.ts";

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Tables the server only appends to and reads. */
const APPEND_ONLY = [
  "audit_decisions",
  "audit_verifications",
  "audit_api_access",
  "audit_security_events",
  "audit_overrides",
  "consumed_executions",
  "decision_log_leaves",
  "decision_log_hashes",
  "decision_log_checkpoints",
] as const;

/** The statements granting `role` the server's privileges (idempotent; re-run after every migration). */
export function serverRoleGrants(role: string): string[] {
  if (!ROLE.test(role))
    throw new Error(`'${role}' is not a plain role name (lower-case letters, digits and _, at most 63)`);
  const r = `"${role}"`;
  return [
    `grant usage on schema public to ${r}`,
    `grant select, insert on ${APPEND_ONLY.join(", ")} to ${r}`,
    `grant update (execution_state) on audit_decisions to ${r}`,
    `grant select, insert, update on audit_security_rollup to ${r}`,
    // FOR UPDATE SKIP LOCKED needs UPDATE; delivered rows are pruned.
    `grant select, insert, update, delete on security_event_outbox, security_event_deliveries, decision_outbox,
       decision_deliveries to ${r}`,
    `grant select on schema_migrations, audit_retention_floor to ${r}`,
    // The maintenance counts rows that fell into a default partition.
    `grant select on audit_decisions_default, audit_verifications_default, audit_api_access_default,
       audit_security_events_default to ${r}`,
    `grant usage on all sequences in schema public to ${r}`,
    `grant execute on function parmana_make_partition(text, text, timestamptz), parmana_drop_partition(text, text)
       to ${r}`,
  ];
}

/** Grants `role` the server's privileges in one transaction. */
export async function grantServerRole(db: SqlClient, role: string): Promise<void> {
  const statements = serverRoleGrants(role);
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.exec(statement);
  });
}
