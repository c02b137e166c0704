// `parmana audit verify-log`: checks the decision trail against the latest signed checkpoint. The checkpoint
// must open under the log's key; every leaf up to its size is recomputed from its decision in audit_decisions,
// or in the archives given for the partitions archived away (a deleted decision is named, an edited one too); and the tree of the stored leaf hashes, in order, must have
// the checkpoint's root (a reordered, inserted or edited leaf changes it). Streams in pages, keeping only the
// log's right frontier (O(log n) hashes) in memory.
import { decisionLeafHash, type Attestation } from "../attest/index.ts";
import { emptyTreeHash, nodeHash, openNote, parseCheckpoint, type NoteVerifier } from "../crypto/index.ts";
import { jsonColumn } from "./rows.ts";
import type { SqlClient } from "./sql.ts";

export type LogProblem =
  | { readonly kind: "deleted"; readonly index: number; readonly executionId: string }
  | {
      readonly kind: "edited";
      readonly index: number;
      readonly executionId: string;
      /** Where the differing decision was found. */
      readonly where: "database" | "archive";
    }
  | { readonly kind: "root"; readonly expected: string; readonly actual: string }
  | { readonly kind: "checkpoint"; readonly reason: string };

export interface LogVerification {
  readonly size: number;
  readonly checked: number;
  readonly problems: readonly LogProblem[];
}

/** The root of a log appended leaf by leaf, keeping only the complete subtrees of its right frontier. */
class Frontier {
  readonly #stack: { size: number; hash: Buffer }[] = [];

  push(leaf: Buffer): void {
    let entry = { size: 1, hash: leaf };
    for (let top = this.#stack.at(-1); top && top.size === entry.size; top = this.#stack.at(-1)) {
      this.#stack.pop();
      entry = { size: top.size * 2, hash: nodeHash(top.hash, entry.hash) };
    }
    this.#stack.push(entry);
  }

  root(): Buffer {
    const last = this.#stack.at(-1);
    if (!last) return emptyTreeHash();
    let hash = last.hash;
    for (let i = this.#stack.length - 2; i >= 0; i--)
      hash = nodeHash((this.#stack[i] as { hash: Buffer }).hash, hash);
    return hash;
  }
}

const PAGE = 10_000;

/** What is wrong with logged leaf `index`, judged by its decision in the database, else in the archives. */
function checkLeaf(
  index: number,
  executionId: string,
  stored: Buffer,
  attestation: Attestation | string | null,
  archived: ReadonlyMap<string, Buffer | null>,
): LogProblem | undefined {
  if (attestation === null) {
    const fromArchive = archived.get(executionId);
    if (fromArchive === undefined) return { kind: "deleted", index, executionId };
    if (fromArchive === null || !fromArchive.equals(stored))
      return { kind: "edited", index, executionId, where: "archive" };
    return undefined;
  }
  const decision = jsonColumn(attestation);
  if (!decisionLeafHash(decision).equals(stored) || decision.executionId !== executionId)
    return { kind: "edited", index, executionId, where: "database" };
  return undefined;
}

/**
 * `archived`: the decisions of archives (readArchivedDecisions), sought for the logged decisions no longer in
 * audit_decisions — a decision archived unchanged is intact, one edited in the archive is named.
 */
export async function verifyDecisionLog(
  db: SqlClient,
  verifier: NoteVerifier,
  onProgress?: (checked: number) => void,
  archived: ReadonlyMap<string, Buffer | null> = new Map(),
): Promise<LogVerification> {
  const [latest] = await db.query<{ note: string }>(
    "select note from decision_log_checkpoints order by size desc limit 1",
  );
  if (!latest)
    return { size: 0, checked: 0, problems: [{ kind: "checkpoint", reason: "the log has no checkpoint" }] };
  let size: number;
  let root: Buffer;
  try {
    ({ size, root } = parseCheckpoint(openNote(latest.note, verifier)));
  } catch (error) {
    return { size: 0, checked: 0, problems: [{ kind: "checkpoint", reason: (error as Error).message }] };
  }
  const problems: LogProblem[] = [];
  const frontier = new Frontier();
  let checked = 0;
  for (let from = 0; from < size; from += PAGE) {
    const rows = await db.query<{
      idx: string;
      execution_id: string;
      leaf_hash: Buffer;
      attestation: Attestation | string | null;
    }>(
      `select l.idx::text as idx, l.execution_id, l.leaf_hash, d.attestation
       from decision_log_leaves l left join audit_decisions d on d.execution_id = l.execution_id
       where l.idx >= $1 and l.idx < $2 order by l.idx`,
      [from, Math.min(from + PAGE, size)],
    );
    for (const row of rows) {
      const index = Number(row.idx);
      const stored = Buffer.from(row.leaf_hash);
      if (index !== checked) break; // a gap: the root check below reports it
      frontier.push(stored);
      checked++;
      const problem = checkLeaf(index, row.execution_id, stored, row.attestation, archived);
      if (problem) problems.push(problem);
    }
    onProgress?.(checked);
    if (checked < Math.min(from + PAGE, size)) break;
  }
  const actual = frontier.root();
  if (checked !== size || !actual.equals(root))
    problems.push({ kind: "root", expected: root.toString("base64"), actual: actual.toString("base64") });
  return { size, checked, problems };
}
