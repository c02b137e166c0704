// parmana audit verify-log: checks the verifiable decision log against its latest signed checkpoint and names
// every decision that was deleted or edited since it was logged (src/audit/verify-decision-log.ts).
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  connectPostgres,
  readArchivedDecisions,
  verifyDecisionLog,
  type ArchivedDecisions,
  type LogProblem,
} from "../../audit/index.ts";
import {
  noteVerifierKey,
  parseNoteVerifierKey,
  parsePublicKey,
  type NoteVerifier,
} from "../../crypto/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

export const VERIFY_LOG_USAGE = `  parmana audit verify-log [--database-url URL] (--public-key FILE [--origin NAME] | --verifier-key VKEY)
                           [--archive DIR]... [--json]
      checks every logged decision against the latest signed checkpoint of the decision log: names each one
      deleted or edited in audit_decisions, and fails when the log's leaves no longer give the signed root.
      --archive: archives of \`parmana audit archive\`; a decision no longer in the database is sought there
      and checked the same way. The key: the server's signing public key (PEM) and the log's origin (default
      parmana/decisions), or a C2SP note verifier key`;

export const DEFAULT_LOG_ORIGIN = "parmana/decisions";

function describe(p: LogProblem): string {
  switch (p.kind) {
    case "deleted":
      return `DELETED: decision ${p.executionId} (leaf ${String(p.index)}) is logged but no longer in audit_decisions`;
    case "edited":
      return `EDITED: decision ${p.executionId} (leaf ${String(p.index)}) differs from what was logged${p.where === "archive" ? " (in the archive)" : ""}`;
    case "root":
      return `ROOT differs: the logged leaves give ${p.actual}, the signed checkpoint says ${p.expected} (leaves were reordered, inserted or changed)`;
    case "checkpoint":
      return `CHECKPOINT: ${p.reason}`;
  }
}

async function verifierFrom(values: {
  "public-key"?: string | undefined;
  origin?: string | undefined;
  "verifier-key"?: string | undefined;
}): Promise<NoteVerifier> {
  try {
    if (values["verifier-key"] !== undefined) return parseNoteVerifierKey(values["verifier-key"]);
    if (values["public-key"] === undefined)
      throw new UsageError("give --public-key FILE or --verifier-key VKEY");
    const key = parsePublicKey(await readFile(values["public-key"], "utf8"));
    return parseNoteVerifierKey(noteVerifierKey(values.origin ?? DEFAULT_LOG_ORIGIN, key.key));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`the log's key: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function verifyLogCommand(
  args: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      "database-url": { type: "string" },
      "public-key": { type: "string" },
      origin: { type: "string" },
      "verifier-key": { type: "string" },
      archive: { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
    },
  });
  const verifier = await verifierFrom(values);
  const archived: ArchivedDecisions = new Map();
  for (const dir of values.archive)
    await readArchivedDecisions(dir, archived).catch((error: unknown) => {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    });
  if (!values.json && values.archive.length > 0)
    io.err(
      `read ${String(archived.size)} archived decisions from ${String(values.archive.length)} archive(s)`,
    );
  const url = values["database-url"] ?? env["AUDIT_DATABASE_URL"];
  if (!url) throw new UsageError("give --database-url or set AUDIT_DATABASE_URL");
  const sql = connectPostgres({ connectionString: url, maxConnections: 1 });
  try {
    const result = await verifyDecisionLog(
      sql,
      verifier,
      (n) => {
        if (!values.json && n > 0 && n % 100_000 === 0) io.err(`checked ${String(n)} decisions…`);
      },
      archived,
    ).catch((error: unknown) => {
      throw new UsageError(
        `cannot read the audit database: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    });
    if (values.json) printJson(io, result);
    else if (result.problems.length === 0)
      io.out(
        `intact: ${String(result.checked)} logged decisions match the signed checkpoint of size ${String(result.size)}`,
      );
    else for (const p of result.problems) io.out(describe(p));
    return result.problems.length === 0 ? ExitCode.ok : ExitCode.failed;
  } finally {
    await sql.close();
  }
}
