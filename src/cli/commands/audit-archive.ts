// parmana audit archive | verify-archive: the whole partitions before a date, exported with a signed seal and
// removed; and the offline check of such an archive.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  archivePartitions,
  ArchiveError,
  connectPostgres,
  verifyArchive,
  SEAL_FILE,
  type SignedSeal,
} from "../../audit/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";
import { loadSigningKeyFile, loadTrust } from "./load.ts";

export const ARCHIVE_USAGE = `  parmana audit archive --before DATE --out DIR --key FILE [--database-url URL] [--json]
      exports every audit partition that ends at or before DATE (JSON Lines, gzip) with a seal signed by
      the key, then detaches and drops them (run it with the database owner's role)
  parmana audit verify-archive DIR --trusted-keys KEYDIR [--json]
      checks an archive offline: the seal's signature, each file's rows and hash, the archived chain`;

function databaseUrl(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = given ?? env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  return url;
}

function dateArg(text: string | undefined): Date {
  const date = text === undefined ? new Date(Number.NaN) : new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new UsageError("--before DATE (RFC 3339, e.g. 2026-01-01T00:00:00Z) is required");
  return date;
}

export async function archiveCommand(
  args: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      before: { type: "string" },
      out: { type: "string" },
      key: { type: "string" },
      "database-url": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const before = dateArg(values.before);
  if (values.out === undefined) throw new UsageError("--out DIR (where the archive is written) is required");
  const signer = await loadSigningKeyFile(values.key);
  const sql = connectPostgres({
    connectionString: databaseUrl(values["database-url"], env),
    maxConnections: 2,
  });
  try {
    const seal = await archivePartitions(sql, { before, outDir: values.out, signer });
    const rows = seal.partitions.reduce((n, p) => n + p.rows, 0);
    if (values.json) printJson(io, seal);
    else
      io.out(
        `archived ${String(seal.partitions.length)} partitions (${String(rows)} rows) before ${seal.before} to ${values.out}; seal ${join(values.out, SEAL_FILE)} signed by ${seal.signerKeyId}`,
      );
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ArchiveError) {
      io.err(error.message);
      return ExitCode.failed;
    }
    throw new UsageError(
      `cannot archive: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
    );
  } finally {
    await sql.close();
  }
}

export async function verifyArchiveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { "trusted-keys": { type: "string" }, json: { type: "boolean", default: false } },
  });
  const [dir] = positionals;
  if (dir === undefined) throw new UsageError("verify-archive needs the archive's directory");
  const trust = await loadTrust(values["trusted-keys"], undefined);
  const check = await verifyArchive(
    dir,
    trust.keys.map((k) => k.key),
  );
  if (values.json) printJson(io, { valid: check.ok, problems: check.problems });
  else if (check.ok)
    io.out(
      `archive ${dir} verifies: ${String(check.seal?.partitions.length ?? 0)} partitions, sealed by ${check.seal?.signerKeyId ?? ""}`,
    );
  else for (const p of check.problems) io.err(`INVALID ${p}`);
  return check.ok ? ExitCode.ok : ExitCode.failed;
}

/** The chain's continuation point in a seal file, for verify-chain --from-seal. */
export async function sealStart(path: string): Promise<{ lastId: string; lastRowHash: string }> {
  let seal: SignedSeal;
  try {
    seal = JSON.parse(await readFile(path, "utf8")) as SignedSeal;
  } catch {
    throw new UsageError(`cannot read the seal ${path}`);
  }
  if (seal.chain.lastId === null || seal.chain.lastRowHash === null)
    throw new UsageError(`${path} archived no security events: verify the chain without --from-seal`);
  return { lastId: seal.chain.lastId, lastRowHash: seal.chain.lastRowHash };
}
