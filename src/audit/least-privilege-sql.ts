// Migration 6: the server may run with a role that only adds rows, reads them and moves a pending decision once.
// The two changes it makes to the schema go through functions that run as their owner (the role that applied
// the migrations) and do only that: make the partition of an audit table for a period, and drop a whole
// partition that ended longer ago than the database owner allows in audit_retention_floor. Security events are
// never dropped by the server: they leave only through `parmana audit archive`, whose seal the chain continues
// from. See docs/adr/0007-least-privilege-audit-role.md.
export const LEAST_PRIVILEGE = `
-- The fewest days of each table the server may drop partitions past (the owner edits it; the server reads it).
create table audit_retention_floor (
  table_name text primary key
    check (table_name in ('audit_api_access', 'audit_decisions', 'audit_verifications')),
  min_days integer not null check (min_days >= 1)
);
insert into audit_retention_floor (table_name, min_days)
values ('audit_api_access', 7), ('audit_decisions', 90), ('audit_verifications', 90);

create or replace function parmana_make_partition(parent text, period text, at timestamptz) returns text
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  lo timestamptz;
  hi timestamptz;
  name text;
begin
  if parent not in ('audit_decisions', 'audit_verifications', 'audit_security_events', 'audit_api_access')
     or period not in ('month', 'day') then
    raise exception 'parmana_make_partition: % by % is not an audit table''s partitioning', parent, period
      using errcode = '22023';
  end if;
  lo := date_trunc(period, at, 'UTC');
  hi := lo + ('1 ' || period)::interval;
  name := parent || '_p' || to_char(lo at time zone 'UTC', case period when 'day' then 'YYYYMMDD' else 'YYYYMM' end);
  if to_regclass(name) is null then
    execute format('create table %I partition of %I for values from (%L) to (%L)', name, parent, lo, hi);
  end if;
  return name;
end $$;

create function parmana_drop_partition(parent text, part text) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  floor_days integer;
  bound text;
  hi timestamptz;
begin
  select min_days into floor_days from audit_retention_floor where table_name = parent;
  if floor_days is null then
    raise exception 'parmana_drop_partition: partitions of % are never dropped by the server%', parent,
      case when parent = 'audit_security_events' then ' (they leave only through parmana audit archive)' else '' end
      using errcode = '42501';
  end if;
  select pg_get_expr(c.relpartbound, c.oid) into bound
  from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
  where p.relname = parent and c.relname = part;
  if bound is null then
    raise exception 'parmana_drop_partition: % is not a partition of %', part, parent using errcode = '22023';
  end if;
  hi := (regexp_match(bound, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz;
  if hi is null or hi > now() - make_interval(days => floor_days) then
    raise exception 'parmana_drop_partition: % ends at %, inside the % days of % the database owner keeps (audit_retention_floor)',
      part, coalesce(hi::text, 'no bound (the default partition)'), floor_days, parent using errcode = '42501';
  end if;
  execute format('drop table %I', part);
end $$;

revoke all on function parmana_make_partition(text, text, timestamptz) from public;
revoke all on function parmana_drop_partition(text, text) from public;
`;
