// parmana audit verify-chain [--database-url URL] [--from-seal SEAL]: recompute the security-event hash chain
// (from the genesis, or from an archive's seal) and check the rollup; archive and verify-archive.
import { parseArgs } from "node:util";
import { AuditStore, connectPostgres, type ChainBreak, type RollupMismatch } from "../../audit/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";
import { ARCHIVE_USAGE, archiveCommand, sealStart, verifyArchiveCommand } from "./audit-archive.ts";
import { MIGRATE_USAGE, migrateCommand } from "./audit-migrate.ts";
import { VERIFY_LOG_USAGE, verifyLogCommand } from "./audit-verify-log.ts";

export const AUDIT_USAGE = `Usage:
  parmana audit verify-chain [--database-url URL] [--from-seal SEAL] [--json]
      recomputes the hash chain over audit_security_events (URL defaults to AUDIT_DATABASE_URL) — from the
      first row, or after an archive from its seal's last row — and checks the hourly rollup against it
${ARCHIVE_USAGE}
${MIGRATE_USAGE}
${VERIFY_LOG_USAGE}

Exit 0 when everything verifies, 1 naming the first row that was edited, inserted or deleted (or the first hour
whose rollup differs, or the archive file and row), 2 on a usage or connection error.`;

function report(
  io: CliIo,
  json: boolean,
  result: { checked: number; broken?: ChainBreak },
  rollup: RollupMismatch | undefined,
): void {
  const { checked, broken } = result;
  if (json)
    printJson(io, {
      intact: !broken && !rollup,
      checked,
      broken: broken ?? null,
      rollupMismatch: rollup ?? null,
    });
  else if (broken)
    io.err(
      `BROKEN at row id ${broken.id} (event ${broken.eventId}): its ${broken.reason === "row_hash" ? "content was changed" : "predecessor was changed, inserted or deleted"}; ${String(checked)} rows before it verify`,
    );
  else if (rollup)
    io.err(
      `ROLLUP differs: the hour ${rollup.bucket} of ${rollup.eventType}/${rollup.severity} counts ${rollup.rollup} in audit_security_rollup but ${rollup.events} in the chained events (${String(checked)} rows verify); /audit/security reads the rollup, so it was edited`,
    );
  else io.out(`intact: ${String(checked)} rows verify, and the /audit/security rollup matches them`);
}

const SUBCOMMANDS: Readonly<Record<string, (args: readonly string[], io: CliIo) => Promise<number>>> = {
  archive: (args, io) => archiveCommand(args, io, process.env),
  "verify-archive": (args, io) => verifyArchiveCommand(args, io),
  migrate: (args, io) => migrateCommand(args, io, process.env),
  "verify-log": (args, io) => verifyLogCommand(args, io, process.env),
};

export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const other = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (other) return other(rest, io);
  if (sub !== "verify-chain")
    throw new UsageError(
      sub === undefined
        ? "audit needs a subcommand: verify-chain, verify-log, archive, verify-archive or migrate"
        : `unknown audit subcommand '${sub}'`,
    );
  const { values } = parseArgs({
    args: [...rest],
    options: {
      "database-url": { type: "string" },
      "from-seal": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const from = values["from-seal"] === undefined ? undefined : await sealStart(values["from-seal"]);
  const url = values["database-url"] ?? process.env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  const sql = connectPostgres({ connectionString: url, maxConnections: 1 });
  try {
    const store = new AuditStore(sql);
    let result;
    try {
      result = await store.verifyChain((n) => {
        if (!values.json && n > 0 && n % 100_000 === 0) io.err(`checked ${String(n)} rows…`);
      }, from);
    } catch (error) {
      throw new UsageError(
        `cannot read the audit database: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    }
    const rollup = result.broken ? undefined : await store.verifyRollup();
    report(io, values.json, result, rollup);
    return !result.broken && !rollup ? ExitCode.ok : ExitCode.failed;
  } finally {
    await sql.close();
  }
}
