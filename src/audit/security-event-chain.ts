// The hash-chained, append-only security events: appended with their hourly rollup and their outbox rows in
// one transaction, and verified end to end (the chain, then the rollup against the events).
import type { SecurityEvent } from "../events/index.ts";
import { enqueueEvents } from "../outbox/index.ts";
import { GENESIS_HASH, rowHash, type ChainBreak, type ChainedEventRow } from "./chain.ts";
import { iso } from "./paging.ts";
import { insertRows, withoutEmptyColumn, type Column } from "./rows.ts";
import type { SqlClient, SqlExecutor } from "./sql.ts";

const CHAIN_LOCK = 7_271_002;

export interface StoredEvent extends ChainedEventRow {
  readonly id: string;
  readonly prev_hash: string;
  readonly row_hash: string;
}

export interface RollupMismatch {
  readonly bucket: string;
  readonly eventType: string;
  readonly severity: string;
  /** Occurrences the rollup holds for the bucket, and what the events add up to (decimal strings). */
  readonly rollup: string;
  readonly events: string;
}

// `id` is selected as text (a bigint may exceed a JS number): ORDER BY must name the table's column
// (audit_security_events.id), or it sorts the text alias — "10" before "9".
export const EVENT_COLUMNS = `id::text as id, event_id::text as event_id, event_type, severity, ${iso("occurred_at")} as occurred_at,
  occurrences, client_ip, user_agent, method, path, api_key_id, execution_id, execution_fingerprint, policy_id,
  policy_version, request_id, trace_id, details, prev_hash, row_hash`;

const col = (name: string, type = "text"): Column => ({ name, type });
const CHAIN_COLUMNS: readonly Column[] = [
  col("event_id", "uuid"),
  col("event_type"),
  col("severity"),
  col("occurred_at", "timestamptz"),
  col("occurrences", "int"),
  ...[
    "client_ip",
    "user_agent",
    "method",
    "path",
    "api_key_id",
    "execution_id",
    "execution_fingerprint",
    "policy_id",
    "policy_version",
    "request_id",
    "trace_id",
  ].map((n) => col(n)),
  col("details", "jsonb"),
  col("prev_hash"),
  col("row_hash"),
];

function chainedRow(e: SecurityEvent): ChainedEventRow {
  return {
    event_id: e.event_id,
    event_type: e.event_type,
    severity: e.severity,
    occurred_at: e.occurred_at,
    occurrences: e.occurrences,
    client_ip: e.actor.client_ip,
    user_agent: e.actor.user_agent,
    method: e.request.method,
    path: e.request.path,
    api_key_id: e.actor.api_key_id,
    execution_id: e.execution.execution_id,
    execution_fingerprint: e.execution.execution_fingerprint,
    policy_id: e.policy.policy_id,
    policy_version: e.policy.policy_version,
    request_id: e.request.request_id,
    trace_id: e.trace.trace_id,
    details: e.details,
  };
}

/** Chains `events` after `prev`: each row's values, ending with its prev_hash and row_hash. */
function chain(events: readonly SecurityEvent[], prev: string): unknown[][] {
  let hash = prev;
  return events.map((e) => {
    const row = chainedRow(e);
    const previous = hash;
    hash = rowHash(previous, row);
    return [
      row.event_id,
      row.event_type,
      row.severity,
      row.occurred_at,
      row.occurrences,
      row.client_ip,
      row.user_agent,
      row.method,
      row.path,
      row.api_key_id,
      row.execution_id,
      row.execution_fingerprint,
      row.policy_id,
      row.policy_version,
      row.request_id,
      row.trace_id ?? null,
      JSON.stringify(row.details),
      previous,
      hash,
    ];
  });
}

async function addToRollup(tx: SqlExecutor, events: readonly SecurityEvent[]): Promise<void> {
  await tx.query(
    `insert into audit_security_rollup as r (bucket, event_type, severity, occurrences, first_at, last_at)
     select date_trunc('hour', o, 'UTC'), t, s, sum(n), min(o), max(o)
     from unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) as u(t, s, o, n)
     group by 1, 2, 3
     order by 1, 2, 3
     on conflict (bucket, event_type, severity) do update set
       occurrences = r.occurrences + excluded.occurrences,
       first_at = least(r.first_at, excluded.first_at),
       last_at = greatest(r.last_at, excluded.last_at)`,
    [
      events.map((e) => e.event_type),
      events.map((e) => e.severity),
      events.map((e) => e.occurred_at),
      events.map((e) => e.occurrences),
    ],
  );
}

export class SecurityEventChain {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /**
   * Appends security events to the chain, the rollup and the outbox in one transaction. Idempotent by
   * event_id: an event already stored (a retry after a lost commit acknowledgement) is skipped, never chained
   * twice.
   */
  async append(events: readonly SecurityEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [CHAIN_LOCK]);
      const stored = await tx.query<{ event_id: string }>(
        "select event_id::text as event_id from audit_security_events where event_id = any($1::uuid[])",
        [events.map((e) => e.event_id)],
      );
      const skip = new Set(stored.map((r) => r.event_id));
      const fresh = events.filter((e) => !skip.has(e.event_id));
      if (fresh.length === 0) return;
      const [last] = await tx.query<{ row_hash: string }>(
        "select row_hash from audit_security_events order by id desc limit 1",
      );
      const written = withoutEmptyColumn(
        CHAIN_COLUMNS,
        chain(fresh, last?.row_hash ?? GENESIS_HASH),
        "trace_id",
      );
      await insertRows(tx, "audit_security_events", written.columns, written.rows);
      await addToRollup(tx, fresh);
      await enqueueEvents(tx, fresh);
    });
  }

  /**
   * Recomputes the chain from the first row (or, after an archive, from the seal's last row: `from`); returns
   * the first break, or undefined when intact.
   */
  async verify(
    onProgress?: (checked: number) => void,
    from: { readonly lastId: string; readonly lastRowHash: string } = {
      lastId: "0",
      lastRowHash: GENESIS_HASH,
    },
  ): Promise<{ checked: number; broken?: ChainBreak }> {
    let prev = from.lastRowHash;
    let after = from.lastId;
    let checked = 0;
    for (;;) {
      const rows = await this.#db.query<StoredEvent>(
        `select ${EVENT_COLUMNS} from audit_security_events where id > $1::bigint order by audit_security_events.id limit 1000`,
        [after],
      );
      for (const row of rows) {
        if (row.prev_hash !== prev)
          return { checked, broken: { id: row.id, eventId: row.event_id, reason: "prev_hash" } };
        const details = typeof row.details === "string" ? (JSON.parse(row.details) as unknown) : row.details;
        if (rowHash(prev, { ...row, details }) !== row.row_hash)
          return { checked, broken: { id: row.id, eventId: row.event_id, reason: "row_hash" } };
        prev = row.row_hash;
        checked += 1;
      }
      onProgress?.(checked);
      const last = rows.at(-1);
      if (!last) return { checked };
      after = last.id;
    }
  }

  /**
   * Compares the hourly rollup behind GET /audit/security with the events themselves; returns the first
   * bucket where they differ (the rollup is derived, not chained, so an edit there is found here).
   */
  async verifyRollup(): Promise<RollupMismatch | undefined> {
    const [row] = await this.#db.query<RollupMismatch>(
      `with e as (
         select date_trunc('hour', occurred_at, 'UTC') as bucket, event_type, severity, sum(occurrences) as n
         from audit_security_events group by 1, 2, 3
       )
       select ${iso("coalesce(e.bucket, r.bucket)")} as bucket, coalesce(e.event_type, r.event_type) as "eventType",
              coalesce(e.severity, r.severity) as severity, coalesce(r.occurrences, 0)::text as rollup,
              coalesce(e.n, 0)::text as events
       from e full join audit_security_rollup r
         on r.bucket = e.bucket and r.event_type = e.event_type and r.severity = e.severity
       where coalesce(r.occurrences, 0) <> coalesce(e.n, 0)
       order by 1 limit 1`,
    );
    return row;
  }
}
