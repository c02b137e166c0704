// The one database interface the audit store needs, over node-postgres (production) and PGlite (the embedded
// default: real Postgres compiled to WebAssembly, in process). The SQL is the same for both.
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";

export interface SqlExecutor {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements, without parameters. */
  exec(text: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: "postgres" | "pglite";
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it rejects. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The audit database could not be reached or failed a statement. */
export class AuditUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuditUnavailableError";
  }
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new AuditUnavailableError("audit database failed", { cause: error });
  }
}

export interface PostgresOptions {
  readonly connectionString: string;
  readonly maxConnections?: number;
  readonly statementTimeoutMs?: number;
}

/**
 * Session options that make every commit durable before it returns, whatever the server's default: an
 * attestation is only handed out after its audit row commits, and with `synchronous_commit=off` (a common
 * tuning) a crash of Postgres could lose rows whose commit had already been acknowledged. Options given in the
 * connection string are kept, and this one is appended so that it wins.
 */
export function durableSessionOptions(connectionString: string): string {
  let given = "";
  try {
    given = new URL(connectionString).searchParams.get("options") ?? "";
  } catch {
    // Not a URL (a key=value string): nothing to keep.
  }
  return `${given} -c synchronous_commit=on`.trim();
}

export function connectPostgres(options: PostgresOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    options: durableSessionOptions(options.connectionString),
    max: options.maxConnections ?? 20,
    connectionTimeoutMillis: 3_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    query_timeout: (options.statementTimeoutMs ?? 10_000) + 1_000,
  });
  // An idle connection that dies emits 'error' on the pool; the next query reports it instead.
  pool.on("error", () => undefined);
  const run = async <T>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: readonly unknown[],
  ): Promise<T[]> => (await client.query(text, params as unknown[] | undefined)).rows as T[];
  return {
    kind: "postgres",
    query: (text, params) => guarded(() => run(pool, text, params)),
    exec: (text) =>
      guarded(async () => {
        await pool.query(text);
      }),
    // Errors of the database are AuditUnavailableError; errors of `work` itself pass through unchanged.
    transaction: async <T>(work: (tx: SqlExecutor) => Promise<T>) => {
      const client = await guarded(() => pool.connect());
      // A connection that dies while checked out emits 'error' on the client (unhandled, it would end the
      // process); the query in flight rejects with it anyway, so the listener only keeps the process up.
      const ignore = (): void => undefined;
      client.on("error", ignore);
      let broken = false;
      try {
        await guarded(() => client.query("begin"));
        const result = await work({
          query: (text, params) => guarded(() => run(client, text, params)),
          exec: (text) =>
            guarded(async () => {
              await client.query(text);
            }),
        });
        await guarded(() => client.query("commit"));
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off("error", ignore);
        // A connection that could not even roll back is discarded, not returned to the pool.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** PGlite in memory, or persisted in `dataDir`. */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const run = async <T>(
    target: Pick<PGlite, "query">,
    text: string,
    params?: readonly unknown[],
  ): Promise<T[]> => (await target.query<T>(text, params as unknown[] | undefined)).rows;
  return {
    kind: "pglite",
    query: (text, params) => guarded(() => run(db, text, params)),
    exec: (text) =>
      guarded(async () => {
        await db.exec(text);
      }),
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: (text, params) => guarded(() => run(tx, text, params)),
          exec: (text) =>
            guarded(async () => {
              await tx.exec(text);
            }),
        }),
      ),
    close: () => db.close(),
  };
}
