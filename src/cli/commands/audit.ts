// parmana audit verify-chain [--database-url URL]: recompute the security-event hash chain.
import { parseArgs } from "node:util";
import { AuditStore, connectPostgres } from "../../audit/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

export const AUDIT_USAGE = `Usage: parmana audit verify-chain [--database-url URL] [--json]

Recomputes the hash chain over audit_security_events (URL defaults to AUDIT_DATABASE_URL). Exit 0 when every
row verifies, 1 naming the first row that was edited, inserted or deleted, 2 on a usage or connection error.`;

export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "verify-chain")
    throw new UsageError(
      sub === undefined ? "audit needs a subcommand: verify-chain" : `unknown audit subcommand '${sub}'`,
    );
  const { values } = parseArgs({
    args: [...rest],
    options: { "database-url": { type: "string" }, json: { type: "boolean", default: false } },
  });
  const url = values["database-url"] ?? process.env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  const sql = connectPostgres({ connectionString: url, maxConnections: 1 });
  try {
    const store = new AuditStore(sql);
    let result;
    try {
      result = await store.verifyChain((n) => {
        if (!values.json && n > 0 && n % 100_000 === 0) io.err(`checked ${String(n)} rows…`);
      });
    } catch (error) {
      throw new UsageError(
        `cannot read the audit database: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    }
    if (values.json)
      printJson(io, { intact: !result.broken, checked: result.checked, broken: result.broken ?? null });
    else if (result.broken)
      io.err(
        `BROKEN at row id ${result.broken.id} (event ${result.broken.eventId}): its ${result.broken.reason === "row_hash" ? "content was changed" : "predecessor was changed, inserted or deleted"}; ${String(result.checked)} rows before it verify`,
      );
    else io.out(`intact: ${String(result.checked)} rows verify`);
    return result.broken ? ExitCode.failed : ExitCode.ok;
  } finally {
    await sql.close();
  }
}
