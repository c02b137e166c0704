// The decision trail in Postgres: decisions (group-committed), overrides and verifications, and the reads of
// them. A second decision for an executionId is reported as DuplicateExecutionIdError — the only place that
// knows what a unique violation looks like.
import type { Attestation } from "../attest/index.ts";
import type { DecisionRecord } from "../export/decisions/record.ts";
import { DECISION_RECORDS, enqueue } from "../outbox/index.ts";
import type {
  DecisionEntry,
  DecisionLog,
  LoggedDecision,
  OverrideEntry,
  VerificationEntry,
} from "../decisions/index.ts";
import { GroupCommit } from "./group-commit.ts";
import { iso, page, decodeCursor, type Page, type TimeRange } from "./paging.ts";
import { insertRows, jsonColumn, withoutEmptyColumn, type Column } from "./rows.ts";
import type { SqlClient } from "./sql.ts";

/** The executionId already has a decision in the log: each executionId decides once. */
export class DuplicateExecutionIdError extends Error {
  readonly executionId: string;

  constructor(executionId: string, options?: ErrorOptions) {
    super(`executionId ${executionId} already has a decision`, options);
    this.name = "DuplicateExecutionIdError";
    this.executionId = executionId;
  }
}

/** Which decisions and overrides enter the decision-record outbox, as what (export/decisions/selection.ts). */
export interface DecisionRecordSource {
  decision(entry: DecisionEntry): DecisionRecord | undefined;
  override(decided: Attestation, entry: OverrideEntry): DecisionRecord | undefined;
}

export interface DecisionFilter extends TimeRange {
  readonly policyId?: string | undefined;
  readonly decision?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface DecisionSummary {
  readonly executionId: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly decision: string;
  readonly ruleId: string;
  readonly executionState: string;
  readonly requiresOverride: boolean;
  readonly issuedAt: string;
}

export interface VerificationRow {
  readonly valid: boolean;
  readonly checks: unknown;
  readonly signerKeyId: string | null;
  readonly verifiedAt: string;
}

const col = (name: string, type = "text"): Column => ({ name, type });
const DECISION_COLUMNS: readonly Column[] = [
  col("execution_id"),
  col("policy_id"),
  col("policy_version"),
  col("bundle_hash"),
  col("bundle_revision", "int"),
  col("action"),
  col("rule_id"),
  col("requires_override", "boolean"),
  col("reason"),
  col("execution_state"),
  col("execution_fingerprint"),
  col("signals_hash"),
  col("signer_key_id"),
  col("api_key_id"),
  col("request_id"),
  col("trace_id"),
  col("attestation", "jsonb"),
  col("issued_at", "timestamptz"),
];

const CONSUMED_COLUMNS: readonly Column[] = [col("execution_id"), col("consumed_at", "timestamptz")];

const decisionRow = ({ attestation: a, apiKeyId, requestId, traceId }: DecisionEntry): unknown[] => [
  a.executionId,
  a.policyId,
  a.policyVersion,
  a.bundleHash,
  a.bundleRevision,
  a.decision.action,
  a.decision.ruleId,
  a.decision.requires_override,
  a.decision.reason,
  a.execution_state,
  a.execution_fingerprint,
  a.signalsHash,
  a.signerKeyId,
  apiKeyId,
  requestId,
  traceId ?? null,
  JSON.stringify(a),
  a.issuedAt,
];

const SUMMARY_COLUMNS = `execution_id as "executionId", policy_id as "policyId", policy_version as "policyVersion",
  action as decision, rule_id as "ruleId", execution_state as "executionState",
  requires_override as "requiresOverride", ${iso("issued_at")} as "issuedAt"`;

export class PostgresDecisionLog implements DecisionLog {
  readonly #db: SqlClient;
  readonly #decisions: GroupCommit<DecisionEntry>;
  readonly #records: DecisionRecordSource | undefined;

  /** `records`: the decisions and overrides to export, enqueued in the transaction that logs them. */
  constructor(db: SqlClient, records?: DecisionRecordSource) {
    this.#db = db;
    this.#records = records;
    this.#decisions = new GroupCommit(
      (entries) => this.#insert(entries),
      async (entry) => {
        const [refused] = await this.#insert([entry]);
        if (refused) throw refused;
      },
    );
  }

  /**
   * One transaction for the batch: the ids not consumed before are consumed and their decisions written; an
   * entry whose id was consumed already is refused with DuplicateExecutionIdError and the rest still commit
   * (a replay past the window must not cost its whole group commit).
   */
  async #insert(entries: readonly DecisionEntry[]): Promise<(Error | undefined)[]> {
    return this.#db.transaction(async (tx) => {
      const consumed = await insertRows<{ execution_id: string }>(
        tx,
        "consumed_executions",
        CONSUMED_COLUMNS,
        entries.map((e) => [e.attestation.executionId, e.attestation.issuedAt]),
        "on conflict do nothing returning execution_id",
      );
      const fresh = new Set(consumed.map((r) => r.execution_id));
      const written: DecisionEntry[] = [];
      const outcome = entries.map((e) => {
        const id = e.attestation.executionId;
        // Only the first entry of an id in the batch takes it.
        if (!fresh.delete(id)) return new DuplicateExecutionIdError(id);
        written.push(e);
        return undefined;
      });
      const rows = withoutEmptyColumn(DECISION_COLUMNS, written.map(decisionRow), "trace_id");
      await insertRows(tx, "audit_decisions", rows.columns, rows.rows);
      const records = this.#records;
      if (records)
        await enqueue(
          tx,
          DECISION_RECORDS,
          written.flatMap((e) => records.decision(e) ?? []),
        );
      return outcome;
    });
  }

  /** Durable when it resolves; concurrent calls share one INSERT and commit (group commit). */
  recordDecision(entry: DecisionEntry): Promise<void> {
    return this.#decisions.submit(entry);
  }

  async recordOverride(entry: OverrideEntry): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      // The guard is the decision's state: of two overrides at once, the second waits for the first's row
      // lock and then finds nothing pending.
      const [moved] = await tx.query<{ attestation: Attestation | string }>(
        `update audit_decisions set execution_state = $2
         where execution_id = $1 and execution_state = 'pending_override' returning attestation`,
        [entry.executionId, entry.approved ? "overridden_approved" : "overridden_rejected"],
      );
      if (!moved) return false;
      await tx.query(
        `insert into audit_overrides (execution_id, approved, approved_by, approver_role, reason, record, api_key_id, decided_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          entry.executionId,
          entry.approved,
          entry.approvedBy,
          entry.approverRole,
          entry.reason,
          JSON.stringify(entry.record),
          entry.apiKeyId,
          entry.decidedAt,
        ],
      );
      const record = this.#records?.override(jsonColumn(moved.attestation), entry);
      if (record) await enqueue(tx, DECISION_RECORDS, [record]);
      return true;
    });
  }

  async recordVerification(v: VerificationEntry): Promise<void> {
    await this.#db.query(
      `insert into audit_verifications (execution_id, valid, checks, signer_key_id, api_key_id, request_id)
       values ($1, $2, $3, $4, $5, $6)`,
      [v.executionId, v.valid, JSON.stringify(v.checks), v.signerKeyId, v.apiKeyId, v.requestId],
    );
  }

  async decision(executionId: string): Promise<(DecisionSummary & LoggedDecision) | undefined> {
    const [row] = await this.#db.query<DecisionSummary & { attestation: Attestation | string }>(
      `select ${SUMMARY_COLUMNS}, attestation from audit_decisions where execution_id = $1`,
      [executionId],
    );
    if (!row) return undefined;
    return { ...row, attestation: jsonColumn(row.attestation) };
  }

  async decisions(filter: DecisionFilter): Promise<Page<DecisionSummary>> {
    const rows = await this.#db.query<DecisionSummary & { id: string }>(
      `select id::text as id, ${SUMMARY_COLUMNS}
       from audit_decisions
       where ($1::timestamptz is null or issued_at >= $1) and ($2::timestamptz is null or issued_at <= $2)
         and ($3::text is null or policy_id = $3) and ($4::text is null or action = $4)
         and ($5::bigint is null or id < $5)
       order by audit_decisions.id desc limit $6`,
      [
        filter.from ?? null,
        filter.to ?? null,
        filter.policyId ?? null,
        filter.decision ?? null,
        decodeCursor(filter.cursor) ?? null,
        filter.limit + 1,
      ],
    );
    return page(rows, filter.limit, ({ id: _id, ...rest }) => rest);
  }

  async verifications(executionId: string): Promise<VerificationRow[]> {
    return this.#db.query(
      `select valid, checks, signer_key_id as "signerKeyId", ${iso("verified_at")} as "verifiedAt"
       from audit_verifications where execution_id = $1 order by verified_at desc, id desc limit 1000`,
      [executionId],
    );
  }
}
