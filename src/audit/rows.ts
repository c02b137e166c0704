// The one way rows are inserted: a column per array, unnested in order, so a batch of any size is one
// statement with a fixed number of parameters (and ids are assigned in the batch's order).
import type { SqlExecutor } from "./sql.ts";

export interface Column {
  readonly name: string;
  /** The column's Postgres type, e.g. `text`, `int`, `jsonb`, `timestamptz`. */
  readonly type: string;
}

const toParam = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** `insert into table (columns) select … from unnest(…) with ordinality order by ord [suffix]`. */
export async function insertRows<T = never>(
  db: SqlExecutor,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<T[]> {
  if (rows.length === 0) return [];
  const arrays = columns.map((_, c) => rows.map((row) => toParam(row[c])));
  const names = columns.map((c) => c.name);
  const aliases = columns.map((_, c) => `c${String(c)}`);
  const unnest = columns.map((c, i) => `$${String(i + 1)}::${c.type}[]`).join(", ");
  return db.query<T>(
    `insert into ${table} (${names.join(", ")})
     select ${aliases.join(", ")} from unnest(${unnest}) with ordinality as u(${aliases.join(", ")}, ord)
     order by ord ${suffix}`,
    arrays,
  );
}

/**
 * The columns and rows without `name` when no row has a value for it: an optional column written only when
 * present (the trace ids, absent while tracing is off), so a write stays as narrow as what it carries.
 */
export function withoutEmptyColumn(
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
  name: string,
): { columns: readonly Column[]; rows: readonly (readonly unknown[])[] } {
  const at = columns.findIndex((c) => c.name === name);
  if (at < 0 || rows.some((row) => row[at] !== null && row[at] !== undefined)) return { columns, rows };
  return {
    columns: columns.filter((_, i) => i !== at),
    rows: rows.map((row) => row.filter((_, i) => i !== at)),
  };
}

/** A jsonb column's value: parsed by the Postgres driver, text from the embedded database. */
export function jsonColumn<T>(stored: T | string): T {
  return typeof stored === "string" ? (JSON.parse(stored) as T) : stored;
}
