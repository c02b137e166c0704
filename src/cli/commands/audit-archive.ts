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

export const ARCHIVE_USAGE = `  parmana audit archive (--before DATE | --older-than DAYS) (--out DIR | --out-root DIR) --key FILE
                        [--database-url URL] [--json]
      exports every audit partition that ends at or before DATE (or DAYS days ago: the retention of security
      events, for a CronJob) as JSON Lines, gzip, with a seal signed by the key, then detaches and drops them
      (run it with the database owner's role); --out-root writes to a new DIR/before-<cutoff> each run
  parmana audit verify-archive DIR --trusted-keys KEYDIR [--json]
      checks an archive offline: the seal's signature, each file's rows and hash, the archived chain`;

function databaseUrl(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = given ?? env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  return url;
}

function cutoffArg(before: string | undefined, olderThan: string | undefined, now: number): Date {
  if ((before === undefined) === (olderThan === undefined))
    throw new UsageError(
      "give one of --before DATE (RFC 3339, e.g. 2026-01-01T00:00:00Z) or --older-than DAYS",
    );
  if (olderThan !== undefined) {
    const days = Number(olderThan);
    if (!/^\d{1,5}$/.test(olderThan) || days < 1)
      throw new UsageError("--older-than DAYS must be a whole number of days, at least 1");
    return new Date(now - days * 86_400_000);
  }
  const date = new Date(before ?? "");
  if (Number.isNaN(date.getTime()))
    throw new UsageError("--before DATE must be RFC 3339, e.g. 2026-01-01T00:00:00Z");
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
      "older-than": { type: "string" },
      out: { type: "string" },
      "out-root": { type: "string" },
      key: { type: "string" },
      "database-url": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const before = cutoffArg(values.before, values["older-than"], Date.now());
  if ((values.out === undefined) === (values["out-root"] === undefined))
    throw new UsageError("give one of --out DIR (where the archive is written) or --out-root DIR");
  const outDir =
    values.out ?? join(values["out-root"] ?? "", `before-${before.toISOString().replace(/[-:]|\.\d+/g, "")}`);
  const signer = await loadSigningKeyFile(values.key);
  const sql = connectPostgres({
    connectionString: databaseUrl(values["database-url"], env),
    maxConnections: 2,
  });
  try {
    const seal = await archivePartitions(sql, { before, outDir, signer });
    const rows = seal.partitions.reduce((n, p) => n + p.rows, 0);
    if (values.json) printJson(io, seal);
    else
      io.out(
        `archived ${String(seal.partitions.length)} partitions (${String(rows)} rows) before ${seal.before} to ${outDir}; seal ${join(outDir, SEAL_FILE)} signed by ${seal.signerKeyId}`,
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
