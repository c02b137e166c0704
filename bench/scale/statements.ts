// Where Postgres's time goes, per database, from pg_stat_statements (loaded by test/infra's Postgres): the
// scale benchmark compares each statement's mean time on the empty and on the filled database.
import pg from "pg";

export interface StatementTime {
  readonly query: string;
  readonly byDatabase: Readonly<Record<string, { calls: number; meanUs: number }>>;
}

/** Clears the statistics; false when pg_stat_statements is not loaded (nothing to compare then). */
export async function resetStatements(url: string): Promise<boolean> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query("create extension if not exists pg_stat_statements");
    await db.query("select pg_stat_statements_reset()");
    return true;
  } catch {
    return false;
  } finally {
    await db.end();
  }
}

/** The `limit` statements that took the most time over `databases`, with each database's calls and mean. */
export async function statementTimes(
  url: string,
  databases: readonly string[],
  limit = 8,
): Promise<StatementTime[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ datname: string; query: string; calls: string; mean: number }>(
      `select d.datname, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) as query, s.calls::text as calls,
              s.mean_exec_time as mean
       from pg_stat_statements s join pg_database d on d.oid = s.dbid
       where d.datname = any($1) and s.calls > 100`,
      [databases],
    );
    const byQuery = new Map<
      string,
      { total: number; byDatabase: Record<string, { calls: number; meanUs: number }> }
    >();
    for (const row of rows) {
      const entry = byQuery.get(row.query) ?? { total: 0, byDatabase: {} };
      entry.total += Number(row.calls) * row.mean;
      entry.byDatabase[row.datname] = { calls: Number(row.calls), meanUs: row.mean * 1000 };
      byQuery.set(row.query, entry);
    }
    return [...byQuery]
      .sort((a, b) => b[1].total - a[1].total)
      .slice(0, limit)
      .map(([query, { byDatabase }]) => ({ query, byDatabase }));
  } finally {
    await db.end();
  }
}
