// Partition maintenance for the time-partitioned audit tables: partitions are made ahead of need (so the
// default partition stays empty), and retention drops whole partitions whose period has passed — never
// row-by-row deletes. Every replica may run it: an advisory lock makes one run at a time, and each step is
// idempotent.
import type { SqlClient, SqlExecutor } from "./sql.ts";

const MAINTENANCE_LOCK = 7_271_003;

export interface PartitionedTable {
  readonly table: string;
  readonly period: "month" | "day";
  /** Periods made ahead of the current one. */
  readonly ahead: number;
}

export const PARTITIONED_TABLES: readonly PartitionedTable[] = [
  { table: "audit_decisions", period: "month", ahead: 3 },
  { table: "audit_verifications", period: "month", ahead: 3 },
  { table: "audit_security_events", period: "month", ahead: 3 },
  { table: "audit_api_access", period: "day", ahead: 14 },
];

/** Days to keep per table; a table absent or at 0 is kept for good. */
export type RetentionDays = Readonly<
  Partial<Record<"audit_decisions" | "audit_verifications" | "audit_api_access", number>>
>;

export interface Partition {
  readonly name: string;
  /** The partition's range, [from, to). */
  readonly from: Date;
  readonly to: Date;
}

/** The partitions of `table` with their ranges, oldest first (the default partition is not listed). */
export async function partitionsOf(db: SqlExecutor, table: string): Promise<Partition[]> {
  const rows = await db.query<{ name: string; bound: string }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
     from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
     where p.relname = $1`,
    [table],
  );
  const partitions: Partition[] = [];
  for (const row of rows) {
    const match = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(row.bound);
    if (!match?.[1] || !match[2]) continue; // the default partition
    partitions.push({ name: row.name, from: new Date(match[1]), to: new Date(match[2]) });
  }
  return partitions.sort((a, b) => a.from.getTime() - b.from.getTime());
}

export interface MaintenanceReport {
  readonly created: readonly string[];
  readonly dropped: readonly string[];
  /** Retentions shorter than the database owner's floor (audit_retention_floor): nothing of them is dropped. */
  readonly belowFloor: readonly {
    readonly table: string;
    readonly days: number;
    readonly floorDays: number;
  }[];
  /** Rows that fell into a default partition (a partition was missing when they were written). */
  readonly inDefault: number;
}

/** Makes the partitions from now to `ahead` periods on, and drops those past their table's retention. */
export async function maintainPartitions(
  db: SqlClient,
  now: Date,
  retention: RetentionDays = {},
): Promise<MaintenanceReport> {
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MAINTENANCE_LOCK]);
    const created: string[] = [];
    const dropped: string[] = [];
    const belowFloor: { table: string; days: number; floorDays: number }[] = [];
    const floors = new Map(
      (
        await tx.query<{ table_name: string; min_days: number }>(
          "select table_name, min_days from audit_retention_floor",
        )
      ).map((r) => [r.table_name, r.min_days]),
    );
    let inDefault = 0;
    for (const { table, period, ahead } of PARTITIONED_TABLES) {
      const before = new Set((await partitionsOf(tx, table)).map((p) => p.name));
      const made = await tx.query<{ name: string }>(
        `select parmana_make_partition($1, $2, t) as name
         from generate_series(date_trunc($2, $3::timestamptz, 'UTC'),
                              date_trunc($2, $3::timestamptz, 'UTC') + ($4::int * ('1 ' || $2)::interval),
                              ('1 ' || $2)::interval) as t`,
        [table, period, now, ahead],
      );
      created.push(...made.map((r) => r.name).filter((n) => !before.has(n)));
      const days = (retention as Record<string, number | undefined>)[table] ?? 0;
      const floorDays = floors.get(table);
      if (days > 0 && (floorDays === undefined || days < floorDays))
        belowFloor.push({ table, days, floorDays: floorDays ?? Number.POSITIVE_INFINITY });
      else if (days > 0) {
        // Whole partitions only, through the owner's function (which checks the floor again).
        const cutoff = now.getTime() - days * 86_400_000;
        for (const p of await partitionsOf(tx, table)) {
          if (p.to.getTime() > cutoff) continue;
          await tx.query("select parmana_drop_partition($1, $2)", [table, p.name]);
          dropped.push(p.name);
        }
      }
      const [row] = await tx.query<{ n: string }>(`select count(*)::text as n from ${table}_default`);
      inDefault += Number(row?.n ?? 0);
    }
    return { created, dropped, belowFloor, inDefault };
  });
}

export interface PartitionMaintenance {
  stop(): Promise<void>;
}

/** Maintains partitions now and then every `everyMs`; reports each run (or its failure) to `observe`. */
export function startPartitionMaintenance(
  db: SqlClient,
  options: {
    readonly retention: RetentionDays;
    readonly everyMs?: number;
    readonly clock: { now(): number; delay(ms: number, signal: AbortSignal): Promise<void> };
    readonly observe: (outcome: MaintenanceReport | Error) => void;
  },
): PartitionMaintenance {
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        options.observe(await maintainPartitions(db, new Date(options.clock.now()), options.retention));
      } catch (error) {
        options.observe(error instanceof Error ? error : new Error(String(error)));
      }
      await options.clock.delay(options.everyMs ?? 3_600_000, stop.signal);
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      await loop;
    },
  };
}
