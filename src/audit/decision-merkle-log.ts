// The verifiable decision log in Postgres (issue 23): every decision of audit_decisions appended, in order, as a
// leaf of a Merkle log (src/crypto/merkle-log.ts: leaves, stored subtree hashes), and each integration round
// ending in a signed checkpoint (a C2SP signed note). One integrator at a time across replicas: a round holds a
// transaction-scoped advisory lock, so whichever replica takes it is the leader for that round.
//
// Which decisions a round takes: those not yet logged, recorded (audit_decisions.created_at: the database's
// clock, the start of the transaction that wrote them) no earlier than a look-back before the newest logged one:
// 5 s in an ordinary round, 2 min in a sweep (one round in 30). A group commit's transaction is a few statements
// of at most 10 s each, so one that commits late beside a faster one is still found, by the next sweep at the
// latest; and no replica's clock is involved.
import type { Attestation } from "../attest/index.ts";
import { decisionLeafHash } from "../attest/index.ts";
import {
  formatCheckpoint,
  hashesToStore,
  proveConsistency,
  proveInclusion,
  rootOf,
  signNote,
  type HashAt,
  type HashReader,
  type SigningKey,
  type StoredHash,
} from "../crypto/index.ts";
import { insertRows, jsonColumn, type Column } from "./rows.ts";
import type { SqlClient, SqlExecutor } from "./sql.ts";

const INTEGRATOR_LOCK = 7_271_004;
/** How far before the newest logged decision a sweep looks for one committed late. */
export const SWEEP_LOOKBACK_MS = 120_000;
/** How far an ordinary round looks: a round reads every decision recorded since, so this bounds its cost. */
export const ROUND_LOOKBACK_MS = 5_000;

export interface SignedCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  /** The checkpoint as a C2SP signed note. */
  readonly note: string;
}

export interface DecisionProof {
  readonly executionId: string;
  readonly index: number;
  readonly leafHash: Buffer;
  readonly checkpoint: SignedCheckpoint;
  readonly proof: readonly Buffer[];
}

const key = (level: number, n: number): string => `${String(level)}/${String(n)}`;

/** Reads stored hashes from the database, and those a round has computed but not yet written. */
function reader(db: SqlExecutor, pending: Map<string, Buffer>): HashReader {
  return {
    async read(at: readonly HashAt[]): Promise<readonly Buffer[]> {
      const missing = at.filter((a) => !pending.has(key(a.level, a.n)));
      // Not a copy of `pending`: a round reads once per leaf, and pending grows with the round.
      const found = new Map<string, Buffer>();
      if (missing.length > 0) {
        const rows = await db.query<{ level: number; n: string; hash: Buffer }>(
          `select h.level, h.n::text as n, h.hash from decision_log_hashes h
           join unnest($1::smallint[], $2::bigint[]) as want(level, n) on h.level = want.level and h.n = want.n`,
          [missing.map((a) => a.level), missing.map((a) => String(a.n))],
        );
        for (const r of rows) found.set(key(r.level, Number(r.n)), Buffer.from(r.hash));
      }
      return at.map((a) => {
        const hash = pending.get(key(a.level, a.n)) ?? found.get(key(a.level, a.n));
        if (!hash) throw new Error(`the decision log lacks its stored hash ${key(a.level, a.n)}`);
        return hash;
      });
    },
  };
}

const LEAF_COLUMNS: readonly Column[] = [
  { name: "idx", type: "bigint" },
  { name: "execution_id", type: "text" },
  { name: "leaf_hash", type: "bytea" },
  { name: "recorded_at", type: "timestamptz" },
];
const HASH_COLUMNS: readonly Column[] = [
  { name: "level", type: "smallint" },
  { name: "n", type: "bigint" },
  { name: "hash", type: "bytea" },
];

export class DecisionMerkleLog {
  readonly #db: SqlClient;
  readonly #origin: string;
  readonly #signer: SigningKey;

  /** `origin`: the log's name in its checkpoints (and its note key's name); the same on every replica. */
  constructor(db: SqlClient, origin: string, signer: SigningKey) {
    this.#db = db;
    this.#origin = origin;
    this.#signer = signer;
  }

  /**
   * Appends up to `limit` unlogged decisions recorded no earlier than `lookbackMs` before the newest logged one,
   * and signs a checkpoint; returns how many were added. The cost of a round grows with the decisions recorded
   * within the look-back (each is probed against the log), so the server's rounds look back ROUND_LOOKBACK_MS and
   * every so often sweep SWEEP_LOOKBACK_MS (src/server/decision-log-integrator.ts).
   */
  async integrate(limit = 5_000, lookbackMs = SWEEP_LOOKBACK_MS): Promise<{ added: number; size: number }> {
    return this.#db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [INTEGRATOR_LOCK]);
      // max() reads one end of each index; count(*) would read the whole log every round.
      const [state] = await tx.query<{ size: string; since: string | null }>(
        `select coalesce(max(idx) + 1, 0)::text as size,
                (max(recorded_at) - make_interval(secs => $1::float8 / 1000))::text as since
         from decision_log_leaves`,
        [lookbackMs],
      );
      const size = Number(state?.size ?? 0);
      const since = state?.since ?? null;
      const rows = await tx.query<{
        execution_id: string;
        attestation: Attestation | string;
        created_at: Date | string;
      }>(
        `select d.execution_id, d.attestation, d.created_at from audit_decisions d
         where ($1::timestamptz is null or d.created_at >= $1)
           and not exists (select 1 from decision_log_leaves l where l.execution_id = d.execution_id)
         order by d.id limit $2`,
        [since, limit],
      );
      if (rows.length === 0) return { added: 0, size };
      const pending = new Map<string, Buffer>();
      const read = reader(tx, pending);
      const stored: StoredHash[] = [];
      const leaves: unknown[][] = [];
      for (const [i, row] of rows.entries()) {
        const leaf = decisionLeafHash(jsonColumn(row.attestation));
        const hashes = await hashesToStore(size + i, leaf, read);
        for (const h of hashes) pending.set(key(h.level, h.n), h.hash);
        stored.push(...hashes);
        leaves.push([size + i, row.execution_id, leaf, row.created_at]);
      }
      await insertRows(tx, "decision_log_leaves", LEAF_COLUMNS, leaves);
      await insertRows(
        tx,
        "decision_log_hashes",
        HASH_COLUMNS,
        stored.map((h) => [h.level, h.n, h.hash]),
      );
      const newSize = size + rows.length;
      const root = await rootOf(newSize, read);
      const text = formatCheckpoint({ origin: this.#origin, size: newSize, root, extensions: [] });
      await tx.query("insert into decision_log_checkpoints (size, root, note) values ($1, $2, $3)", [
        newSize,
        root,
        signNote(text, this.#origin, this.#signer),
      ]);
      return { added: rows.length, size: newSize };
    });
  }

  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    const [row] = await this.#db.query<{ size: string; root: Buffer; note: string }>(
      // ORDER BY names the column: the alias is text, and "50" sorts after "120".
      "select size::text as size, root, note from decision_log_checkpoints c order by c.size desc limit 1",
    );
    return row ? { size: Number(row.size), root: Buffer.from(row.root), note: row.note } : undefined;
  }

  /** The inclusion proof of a decision against the latest checkpoint (undefined: not logged yet). */
  async proof(executionId: string): Promise<DecisionProof | undefined> {
    const checkpoint = await this.latestCheckpoint();
    const [leaf] = await this.#db.query<{ idx: string; leaf_hash: Buffer }>(
      "select idx::text as idx, leaf_hash from decision_log_leaves where execution_id = $1",
      [executionId],
    );
    if (!checkpoint || !leaf || Number(leaf.idx) >= checkpoint.size) return undefined;
    const index = Number(leaf.idx);
    const proof = await proveInclusion(checkpoint.size, index, reader(this.#db, new Map()));
    return { executionId, index, leafHash: Buffer.from(leaf.leaf_hash), checkpoint, proof };
  }

  /** The consistency proof from the checkpoint of `from` leaves to the one of `to`. */
  async consistency(from: number, to: number): Promise<readonly Buffer[]> {
    return proveConsistency(to, from, reader(this.#db, new Map()));
  }
}
