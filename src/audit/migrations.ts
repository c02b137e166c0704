// Numbered, versioned schema migrations, applied once each, in order, under a transaction-scoped advisory
// lock so that several replicas starting together apply each exactly once.
import { LEAST_PRIVILEGE } from "./least-privilege-sql.ts";
import { PARTITIONING } from "./partitioning-sql.ts";
import type { SqlClient } from "./sql.ts";

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATION_LOCK = 7_271_001;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "audit tables",
    sql: `
create table audit_decisions (
  id bigserial primary key,
  execution_id text not null unique,
  policy_id text not null,
  policy_version text not null,
  bundle_hash text not null,
  bundle_revision integer not null,
  action text not null,
  rule_id text not null,
  requires_override boolean not null,
  reason text not null,
  execution_state text not null,
  execution_fingerprint text not null,
  signals_hash text not null,
  signer_key_id text not null,
  api_key_id text,
  request_id text,
  attestation jsonb not null,
  issued_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index audit_decisions_issued on audit_decisions (issued_at desc, id desc);
create index audit_decisions_policy on audit_decisions (policy_id, issued_at desc);

create table audit_overrides (
  id bigserial primary key,
  execution_id text not null unique references audit_decisions (execution_id),
  approved boolean not null,
  approved_by text not null,
  approver_role text not null,
  reason text not null,
  record jsonb not null,
  api_key_id text,
  decided_at timestamptz not null
);

create table audit_verifications (
  id bigserial primary key,
  execution_id text,
  valid boolean not null,
  checks jsonb not null,
  signer_key_id text,
  api_key_id text,
  request_id text,
  verified_at timestamptz not null default now()
);
create index audit_verifications_execution on audit_verifications (execution_id, verified_at desc);

create table audit_security_events (
  id bigserial primary key,
  event_id uuid not null unique,
  event_type text not null,
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  occurred_at timestamptz not null,
  occurrences integer not null check (occurrences >= 1),
  client_ip text,
  user_agent text,
  method text,
  path text,
  api_key_id text,
  execution_id text,
  execution_fingerprint text,
  policy_id text,
  policy_version text,
  request_id text,
  details jsonb not null default '{}',
  prev_hash text not null,
  row_hash text not null
);
create index audit_security_events_time on audit_security_events (occurred_at);
create index audit_security_events_type on audit_security_events (event_type, occurred_at);

-- Append-only whatever the role: the chain makes an edit detectable, this makes it refused.
create function audit_security_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_security_events is append-only';
end $$;
create trigger audit_security_events_append_only before update or delete or truncate on audit_security_events
  for each statement execute function audit_security_events_append_only();

create table audit_api_access (
  id bigserial primary key,
  request_id text,
  api_key_id text,
  method text not null,
  path text not null,
  status integer not null,
  duration_ms double precision not null,
  at timestamptz not null
);
create index audit_api_access_at on audit_api_access (at);

create table security_event_outbox (
  id bigserial primary key,
  event_id uuid not null unique,
  envelope jsonb not null,
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 2,
    name: "outbox deliveries per sink",
    sql: `
create table security_event_deliveries (
  outbox_id bigint not null references security_event_outbox (id),
  sink text not null,
  sent boolean not null,
  delivered_at timestamptz not null default now(),
  primary key (outbox_id, sink)
);
`,
  },
  {
    version: 3,
    name: "hourly security-event rollup for /audit/security",
    sql: `
create table audit_security_rollup (
  bucket timestamptz not null,
  event_type text not null,
  severity text not null,
  occurrences bigint not null,
  first_at timestamptz not null,
  last_at timestamptz not null,
  primary key (bucket, event_type, severity)
);
insert into audit_security_rollup (bucket, event_type, severity, occurrences, first_at, last_at)
select date_trunc('hour', occurred_at, 'UTC'), event_type, severity, sum(occurrences), min(occurred_at),
       max(occurred_at)
from audit_security_events
group by 1, 2, 3;
`,
  },
  {
    version: 4,
    name: "consumed executionIds: the permanent replay authority beyond Redis's window",
    sql: `
create table consumed_executions (
  execution_id text primary key,
  consumed_at timestamptz not null
);
insert into consumed_executions (execution_id, consumed_at)
select execution_id, issued_at from audit_decisions;
`,
  },
  {
    version: 5,
    name: "audit tables partitioned by time, with partitions made ahead of need",
    sql: PARTITIONING,
  },
  {
    version: 6,
    name: "least privilege: partitions made and dropped through the owner's functions, within its retention floor",
    sql: LEAST_PRIVILEGE,
  },
  {
    version: 7,
    name: "decision-record outbox: decisions and overrides for the decision log export",
    sql: `
create table decision_outbox (
  id bigserial primary key,
  record_id text not null unique,
  record jsonb not null,
  created_at timestamptz not null default now()
);
create table decision_deliveries (
  outbox_id bigint not null references decision_outbox (id),
  sink text not null,
  sent boolean not null,
  delivered_at timestamptz not null default now(),
  primary key (outbox_id, sink)
);
`,
  },
  {
    version: 8,
    name: "trace ids on decisions and security events (a SIEM alert links to the trace)",
    sql: `
alter table audit_decisions add column trace_id text;
alter table audit_security_events add column trace_id text;
`,
  },
  {
    version: 9,
    name: "the verifiable decision log: Merkle leaves, stored subtree hashes and signed checkpoints",
    sql: `
create table decision_log_leaves (
  idx bigint primary key check (idx >= 0),
  execution_id text not null unique,
  leaf_hash bytea not null check (length(leaf_hash) = 32),
  -- the decision's audit_decisions.created_at: the database's clock, not the deciding replica's
  recorded_at timestamptz not null,
  logged_at timestamptz not null default now()
);
create index decision_log_leaves_recorded on decision_log_leaves (recorded_at);
-- The integrator's look-back reads the decisions recorded in the last minutes.
create index audit_decisions_created on audit_decisions (created_at);
create table decision_log_hashes (
  level smallint not null check (level >= 0),
  n bigint not null check (n >= 0),
  hash bytea not null check (length(hash) = 32),
  primary key (level, n)
);
create table decision_log_checkpoints (
  size bigint primary key check (size > 0),
  root bytea not null check (length(root) = 32),
  note text not null,
  created_at timestamptz not null default now()
);
-- Append-only whatever the role, like the security events: the log is evidence.
create function decision_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name;
end $$;
create trigger decision_log_leaves_append_only before update or delete on decision_log_leaves
  for each row execute function decision_log_append_only();
create trigger decision_log_hashes_append_only before update or delete on decision_log_hashes
  for each row execute function decision_log_append_only();
create trigger decision_log_checkpoints_append_only before update or delete on decision_log_checkpoints
  for each row execute function decision_log_append_only();
`,
  },
];

/** The schema lacks migrations and this role may not apply them: the owner must (`parmana audit migrate`). */
export class MigrationPrivilegeError extends Error {
  readonly pending: readonly number[];

  constructor(pending: readonly number[], cause: unknown) {
    super(
      `the audit database lacks migration ${pending.join(", ")} and this role may not change its schema: ` +
        "apply them with the owner's role (parmana audit migrate --database-url <owner's URL> --grant <this role>)",
      { cause },
    );
    this.name = "MigrationPrivilegeError";
    this.pending = pending;
  }
}

/** Versions applied so far (none when the schema is new), read without taking any lock. */
async function appliedVersions(db: SqlClient): Promise<Set<number>> {
  const [exists] = await db.query<{ present: boolean }>(
    "select to_regclass('schema_migrations') is not null as present",
  );
  if (exists?.present !== true) return new Set();
  return new Set(
    (await db.query<{ version: number }>("select version from schema_migrations")).map((r) => r.version),
  );
}

/** Applies the migrations this database lacks (up to `upTo`, for tests of a migration); returns those applied. */
export async function migrate(db: SqlClient, upTo = Number.POSITIVE_INFINITY): Promise<number[]> {
  // Up to date: nothing to change, so a server whose role may not change the schema starts.
  const before = await appliedVersions(db);
  const pending = MIGRATIONS.filter((m) => !before.has(m.version) && m.version <= upTo).map((m) => m.version);
  if (pending.length === 0) return [];
  try {
    return await applyPending(db, upTo);
  } catch (error) {
    if (isInsufficientPrivilege(error)) throw new MigrationPrivilegeError(pending, error);
    throw error;
  }
}

function isInsufficientPrivilege(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if ((e as { code?: unknown }).code === "42501") return true;
  return false;
}

async function applyPending(db: SqlClient, upTo: number): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const applied = new Set(
      (await tx.query<{ version: number }>("select version from schema_migrations")).map((r) => r.version),
    );
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version) || migration.version > upTo) continue;
      await tx.exec(migration.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
