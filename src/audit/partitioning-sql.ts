// Migration 5: the growing audit tables become declaratively partitioned by time (decisions, security events
// and verifications by month; the API access log by day), existing rows moved with their ids, and a function
// that makes the partition for a period — the same one the server calls to keep partitions ahead of need.
// Uniqueness of executionIds is held by consumed_executions (ADR 0006), not by an index on a partitioned table.

/** Moves `table` to a range-partitioned copy on `column`, keeping ids, indexes and the sequence. */
function repartition(
  table: string,
  column: string,
  period: "month" | "day",
  columns: string,
  indexes: readonly string[],
): string {
  return `
alter table ${table} rename to ${table}_unpartitioned;
alter sequence ${table}_id_seq rename to ${table}_unpartitioned_id_seq;
create sequence ${table}_id_seq;
create table ${table} (
  id bigint not null default nextval('${table}_id_seq'),
  ${columns},
  primary key (id, ${column})
) partition by range (${column});
alter sequence ${table}_id_seq owned by ${table}.id;
${indexes.map((i) => `create index on ${table} ${i};`).join("\n")}
create table ${table}_default partition of ${table} default;
select parmana_make_partition('${table}', '${period}', t)
  from generate_series(
    date_trunc('${period}', coalesce((select min(${column}) from ${table}_unpartitioned), now()), 'UTC'),
    date_trunc('${period}', now(), 'UTC') + interval '${period === "month" ? "3 months" : "14 days"}',
    interval '1 ${period}') as t;
insert into ${table} select * from ${table}_unpartitioned order by id;
select setval('${table}_id_seq', greatest((select max(id) from ${table}), 1), (select max(id) from ${table}) is not null);
drop table ${table}_unpartitioned;
`;
}

export const PARTITIONING = `
-- The partition of \`parent\` for the period holding \`at\` (UTC months or days), named parent_pYYYYMM[DD].
-- Idempotent; called by this migration and by the server's partition maintenance under an advisory lock.
create function parmana_make_partition(parent text, period text, at timestamptz) returns text
language plpgsql as $$
declare
  lo timestamptz := date_trunc(period, at, 'UTC');
  hi timestamptz := lo + ('1 ' || period)::interval;
  name text := parent || '_p' || to_char(lo at time zone 'UTC', case period when 'day' then 'YYYYMMDD' else 'YYYYMM' end);
begin
  if to_regclass(name) is null then
    execute format('create table %I partition of %I for values from (%L) to (%L)', name, parent, lo, hi);
  end if;
  return name;
end $$;

alter table audit_overrides drop constraint audit_overrides_execution_id_fkey;
alter table audit_overrides add constraint audit_overrides_execution_id_fkey
  foreign key (execution_id) references consumed_executions (execution_id);
${repartition(
  "audit_decisions",
  "issued_at",
  "month",
  `execution_id text not null, policy_id text not null, policy_version text not null, bundle_hash text not null,
  bundle_revision integer not null, action text not null, rule_id text not null, requires_override boolean not null,
  reason text not null, execution_state text not null, execution_fingerprint text not null, signals_hash text not null,
  signer_key_id text not null, api_key_id text, request_id text, attestation jsonb not null,
  issued_at timestamptz not null, created_at timestamptz not null default now()`,
  ["(execution_id)", "(issued_at desc, id desc)", "(policy_id, issued_at desc)"],
)}
${repartition(
  "audit_verifications",
  "verified_at",
  "month",
  `execution_id text, valid boolean not null, checks jsonb not null, signer_key_id text, api_key_id text,
  request_id text, verified_at timestamptz not null default now()`,
  ["(execution_id, verified_at desc)"],
)}
${repartition(
  "audit_api_access",
  "at",
  "day",
  `request_id text, api_key_id text, method text not null, path text not null, status integer not null,
  duration_ms double precision not null, at timestamptz not null`,
  ["(at)"],
)}
${repartition(
  "audit_security_events",
  "occurred_at",
  "month",
  `event_id uuid not null,
  event_type text not null,
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  occurred_at timestamptz not null, occurrences integer not null check (occurrences >= 1), client_ip text,
  user_agent text, method text, path text, api_key_id text, execution_id text, execution_fingerprint text,
  policy_id text, policy_version text, request_id text, details jsonb not null default '{}',
  prev_hash text not null, row_hash text not null,
  unique (event_id, occurred_at)`,
  ["(occurred_at)", "(event_type, occurred_at)", "(event_id)"],
)}
-- Append-only whatever the role, on the partitioned table as before: the chain makes an edit detectable, this
-- makes it refused. Retention detaches or drops whole partitions (the owner's DDL, not a DELETE).
create trigger audit_security_events_append_only before update or delete or truncate on audit_security_events
  for each statement execute function audit_security_events_append_only();
`;
