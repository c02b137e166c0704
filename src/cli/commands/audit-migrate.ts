// parmana audit migrate: applies the audit database's migrations with the owner's role and grants the
// governance server's role exactly what it needs, so the server can run with a role that cannot delete.
import { parseArgs } from "node:util";
import { connectPostgres, grantServerRole, migrate, MIGRATIONS } from "../../audit/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

export const MIGRATE_USAGE = `  parmana audit migrate [--database-url URL] [--grant ROLE]... [--json]
      applies the migrations the audit database lacks (run it with the owner's role, before the servers of a
      new version start) and grants each ROLE the server's privileges: insert and read, no delete or DDL`;

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export async function migrateCommand(
  args: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      "database-url": { type: "string" },
      grant: { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
    },
  });
  const url = values["database-url"] ?? env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  const sql = connectPostgres({ connectionString: url, maxConnections: 1 });
  try {
    let applied: number[];
    try {
      applied = await migrate(sql);
      for (const role of values.grant) await grantServerRole(sql, role);
    } catch (error) {
      io.err(`migrate: ${reason(error)}`);
      return ExitCode.failed;
    }
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    if (values.json) printJson(io, { applied, latest, granted: values.grant });
    else
      io.out(
        `${applied.length > 0 ? `applied migration ${applied.join(", ")}` : "already up to date"} (schema version ${String(latest)})` +
          (values.grant.length > 0 ? `; granted the server's privileges to ${values.grant.join(", ")}` : ""),
      );
    return ExitCode.ok;
  } finally {
    await sql.close();
  }
}
