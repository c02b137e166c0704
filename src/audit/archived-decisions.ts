// The decisions an archive holds, for `verify-log --archive`: the leaf hash of each archived audit_decisions row,
// by executionId. The archive's seal names the files; the rows need no other trust — each is checked against
// the decision log's signed root, as the database's rows are.
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { decisionLeafHash, isAttestationShaped } from "../attest/index.ts";
import { ArchiveError, SEAL_FILE } from "./archive.ts";
import type { SignedSeal } from "./archive-seal.ts";

/** executionId → the leaf hash of its archived decision (absent: not archived; null: archived but unreadable). */
export type ArchivedDecisions = Map<string, Buffer | null>;

async function sealOf(dir: string): Promise<SignedSeal> {
  try {
    return JSON.parse(await readFile(join(dir, SEAL_FILE), "utf8")) as SignedSeal;
  } catch {
    throw new ArchiveError(`${dir}: no readable ${SEAL_FILE}; not an archive of \`parmana audit archive\``);
  }
}

/** Adds the decisions of the archive in `dir` to `into` (a streaming read: one line at a time). */
export async function readArchivedDecisions(
  dir: string,
  into: ArchivedDecisions = new Map(),
): Promise<ArchivedDecisions> {
  const seal = await sealOf(dir);
  for (const p of seal.partitions.filter((p) => p.table === "audit_decisions")) {
    const lines = createInterface({
      input: createReadStream(join(dir, p.file)).pipe(createGunzip()),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    try {
      for await (const line of lines) {
        const row = (JSON.parse(line) as { row?: { execution_id?: unknown; attestation?: unknown } }).row;
        const id = row?.execution_id;
        if (typeof id !== "string") continue;
        into.set(id, isAttestationShaped(row?.attestation) ? decisionLeafHash(row.attestation) : null);
      }
    } catch (error) {
      throw new ArchiveError(
        `${join(dir, p.file)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return into;
}
