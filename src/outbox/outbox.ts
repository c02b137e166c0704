// The transactional outbox: the one owner of its tables (a pair per stream, stream.ts). Records are enqueued
// inside the transaction that stores what they tell of; a relay claims a batch for a sink (FOR UPDATE SKIP
// LOCKED, so replicas share the work), marks it delivered in the same transaction, and rows every sink has
// had are pruned after a retention.
import { insertRows, jsonColumn, type SqlClient, type SqlExecutor } from "../audit/index.ts";
import type { SecurityEvent } from "../events/index.ts";
import { SECURITY_EVENTS, type OutboxStream } from "./stream.ts";

export interface ClaimedRow<T> {
  readonly id: string;
  readonly record: T;
}

export interface Claim<T> {
  /** Rows of the batch not yet delivered to the sink (locked by this transaction). */
  readonly fresh: readonly ClaimedRow<T>[];
  /** How many rows the batch held, delivered ones included (0: nothing was waiting). */
  readonly size: number;
  /** The id just below the batch: every row up to it was delivered or locked elsewhere when read. */
  readonly floor: bigint;
}

/** Adds records to a stream's outbox; call it inside the transaction that stores what they tell of. */
export async function enqueue<T>(
  tx: SqlExecutor,
  stream: OutboxStream<T>,
  records: readonly T[],
): Promise<void> {
  if (records.length === 0) return;
  await insertRows(
    tx,
    stream.outbox,
    [
      { name: stream.keyColumn, type: stream.keyType },
      { name: stream.recordColumn, type: "jsonb" },
    ],
    records.map((r) => [stream.keyOf(r), JSON.stringify(r)]),
  );
}

/** Adds security events to their outbox; call it inside the transaction that stores them. */
export function enqueueEvents(tx: SqlExecutor, events: readonly SecurityEvent[]): Promise<void> {
  return enqueue(tx, SECURITY_EVENTS, events);
}

/** Locks up to `limit` rows above `after` that `sink` has not had, in id order; call it inside a transaction. */
export async function claimBatch<T>(
  tx: SqlExecutor,
  stream: OutboxStream<T>,
  sink: string,
  after: bigint,
  limit: number,
): Promise<Claim<T>> {
  const rows = await tx.query<{ id: string; record: T | string }>(
    `select o.id::text as id, o.${stream.recordColumn} as record from ${stream.outbox} o
     where o.id > $3
       and not exists (select 1 from ${stream.deliveries} d where d.outbox_id = o.id and d.sink = $1)
     order by o.id limit $2
     for update of o skip locked`,
    [sink, limit, after.toString()],
  );
  const first = rows[0];
  if (first === undefined) return { fresh: [], size: 0, floor: after };
  // The read's snapshot predates its locks: a row another worker delivered and committed in between is
  // locked here once released, yet looks undelivered. A new statement sees that commit, and no delivery of
  // these rows can be committed now that this transaction holds their locks.
  const done = new Set(
    (
      await tx.query<{ id: string }>(
        `select outbox_id::text as id from ${stream.deliveries}
         where sink = $1 and outbox_id = any($2::bigint[])`,
        [sink, rows.map((r) => r.id)],
      )
    ).map((r) => r.id),
  );
  const fresh = rows
    .filter((r) => !done.has(r.id))
    .map((r) => ({
      id: r.id,
      record: jsonColumn(r.record),
    }));
  return { fresh, size: rows.length, floor: BigInt(first.id) - 1n };
}

/** Records that `sink` has had these rows (`sent` false: filtered out by its minimum severity). */
export async function markDelivered(
  tx: SqlExecutor,
  stream: OutboxStream<unknown>,
  sink: string,
  rows: readonly { id: string; sent: boolean }[],
): Promise<void> {
  await insertRows(
    tx,
    stream.deliveries,
    [
      { name: "outbox_id", type: "bigint" },
      { name: "sink", type: "text" },
      { name: "sent", type: "boolean" },
    ],
    rows.map((r) => [r.id, sink, r.sent]),
    "on conflict do nothing",
  );
}

/** Deletes up to `limit` rows every one of `sinks` has had and older than `retainMs`; returns how many. */
export async function pruneDelivered(
  db: SqlClient,
  stream: OutboxStream<unknown>,
  sinks: readonly string[],
  retainMs: number,
  limit = 10_000,
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `with gone as (
       select o.id from ${stream.outbox} o
       where o.created_at < now() - make_interval(secs => $1::float8 / 1000)
         and not exists (
           select 1 from unnest($2::text[]) as s(sink)
           where not exists (
             select 1 from ${stream.deliveries} d where d.outbox_id = o.id and d.sink = s.sink))
       order by o.id limit $3
       for update of o skip locked),
     deliveries as (delete from ${stream.deliveries} where outbox_id in (select id from gone))
     delete from ${stream.outbox} where id in (select id from gone) returning id::text as id`,
    [retainMs, sinks, limit],
  );
  return rows.length;
}

/** Undelivered rows and the age of the oldest, per sink (for the lag and pending gauges). */
export async function outboxBacklog(
  db: SqlClient,
  sink: string,
  stream: OutboxStream<unknown> = SECURITY_EVENTS,
): Promise<{ pending: number; lagSeconds: number }> {
  const [row] = await db.query<{ pending: string; lag: number | string | null }>(
    `select count(*)::text as pending, extract(epoch from now() - min(o.created_at))::float8 as lag
     from ${stream.outbox} o
     where not exists (select 1 from ${stream.deliveries} d where d.outbox_id = o.id and d.sink = $1)`,
    [sink],
  );
  return { pending: Number(row?.pending ?? 0), lagSeconds: Number(row?.lag ?? 0) };
}
