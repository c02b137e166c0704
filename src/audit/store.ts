// The audit store: decisions, verifications, overrides, API access and the hash-chained, append-only
// security events (each written together with its outbox row, in one transaction).
import type { Attestation } from "../attest/index.ts";
import type { SecurityEvent } from "../events/index.ts";
import { GENESIS_HASH, rowHash, type ChainBreak, type ChainedEventRow } from "./chain.ts";
import type { SqlClient, SqlExecutor } from "./sql.ts";
import { GroupCommit } from "./group-commit.ts";

const CHAIN_LOCK = 7_271_002;
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string): string => `to_char(${column} at time zone 'UTC', ${ISO})`;

export interface RollupMismatch {
  readonly bucket: string;
  readonly eventType: string;
  readonly severity: string;
  /** Occurrences the rollup holds for the bucket, and what the events add up to (decimal strings). */
  readonly rollup: string;
  readonly events: string;
}

export interface DecisionRecord {
  readonly attestation: Attestation;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
}

export interface VerificationRecord {
  readonly executionId: string | null;
  readonly valid: boolean;
  readonly checks: Record<string, boolean>;
  readonly signerKeyId: string | null;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
}

export interface ApiAccessRecord {
  readonly requestId: string;
  readonly apiKeyId: string | null;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly at: Date;
}

export interface SecuritySummaryRow {
  readonly event_type: string;
  readonly severity: string;
  /** A string, for compatibility with existing clients. */
  readonly event_count: string;
  readonly first_occurrence: string;
  readonly last_occurrence: string;
}

export interface TimeRange {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface EventFilter extends TimeRange {
  readonly type?: string | undefined;
  readonly severity?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface DecisionFilter extends TimeRange {
  readonly policyId?: string | undefined;
  readonly decision?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface StoredEvent extends ChainedEventRow {
  readonly id: string;
  readonly prev_hash: string;
  readonly row_hash: string;
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

export interface AuditStats {
  readonly decisions: number;
  readonly decisionsToday: number;
  readonly verificationsValid: number;
  readonly verificationsInvalid: number;
  readonly securityEvents: number;
  readonly apiCalls: number;
}

/** Cursors are opaque to clients: the last row id, base64url. */
function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  return /^[1-9]\d{0,18}$/.test(id) ? id : undefined;
}

function page<T extends { id: string }, U>(rows: readonly T[], limit: number, map: (row: T) => U): Page<U> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: more && last ? encodeCursor(last.id) : null };
}

// \`id\` is selected as text (a bigint may exceed a JS number): ORDER BY must name the table's column
// (audit_security_events.id), or it sorts the text alias — "10" before "9".
const EVENT_COLUMNS = `id::text as id, event_id::text as event_id, event_type, severity, ${iso("occurred_at")} as occurred_at,
  occurrences, client_ip, user_agent, method, path, api_key_id, execution_id, execution_fingerprint, policy_id,
  policy_version, request_id, details, prev_hash, row_hash`;

const DECISION_COLUMNS = 17;

export class AuditStore {
  readonly #db: SqlClient;
  readonly #decisions: GroupCommit<DecisionRecord>;

  constructor(db: SqlClient) {
    this.#db = db;
    this.#decisions = new GroupCommit(
      (records) => this.#insertDecisions(records),
      (record) => this.#insertDecisions([record]),
    );
  }

  get kind(): SqlClient["kind"] {
    return this.#db.kind;
  }

  async ping(): Promise<boolean> {
    try {
      await this.#db.query("select 1");
      return true;
    } catch {
      return false;
    }
  }

  /** Durable when it resolves; concurrent calls share one INSERT and commit (group commit). */
  recordDecision(record: DecisionRecord): Promise<void> {
    return this.#decisions.submit(record);
  }

  async #insertDecisions(records: readonly DecisionRecord[]): Promise<void> {
    const values: unknown[] = [];
    const rows = records.map(({ attestation: a, apiKeyId, requestId }, i) => {
      values.push(
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
        JSON.stringify(a),
        a.issuedAt,
      );
      return `(${Array.from({ length: DECISION_COLUMNS }, (_, c) => `$${String(i * DECISION_COLUMNS + c + 1)}`).join(", ")})`;
    });
    await this.#db.query(
      `insert into audit_decisions (execution_id, policy_id, policy_version, bundle_hash, bundle_revision, action, rule_id,
        requires_override, reason, execution_state, execution_fingerprint, signals_hash, signer_key_id, api_key_id,
        request_id, attestation, issued_at)
       values ${rows.join(", ")}`,
      values,
    );
  }

  async recordOverride(input: {
    executionId: string;
    approved: boolean;
    approvedBy: string;
    approverRole: string;
    reason: string;
    record: unknown;
    apiKeyId: string | null;
    decidedAt: Date;
  }): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `insert into audit_overrides (execution_id, approved, approved_by, approver_role, reason, record, api_key_id, decided_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          input.executionId,
          input.approved,
          input.approvedBy,
          input.approverRole,
          input.reason,
          JSON.stringify(input.record),
          input.apiKeyId,
          input.decidedAt,
        ],
      );
      await tx.query("update audit_decisions set execution_state = $2 where execution_id = $1", [
        input.executionId,
        input.approved ? "overridden_approved" : "overridden_rejected",
      ]);
    });
  }

  async recordVerification(v: VerificationRecord): Promise<void> {
    await this.#db.query(
      `insert into audit_verifications (execution_id, valid, checks, signer_key_id, api_key_id, request_id)
       values ($1, $2, $3, $4, $5, $6)`,
      [v.executionId, v.valid, JSON.stringify(v.checks), v.signerKeyId, v.apiKeyId, v.requestId],
    );
  }

  async recordApiAccess(records: readonly ApiAccessRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values: unknown[] = [];
    const rows = records.map((r, i) => {
      values.push(r.requestId, r.apiKeyId, r.method, r.path, r.status, r.durationMs, r.at);
      const b = i * 7;
      return `($${String(b + 1)}, $${String(b + 2)}, $${String(b + 3)}, $${String(b + 4)}, $${String(b + 5)}, $${String(b + 6)}, $${String(b + 7)})`;
    });
    await this.#db.query(
      `insert into audit_api_access (request_id, api_key_id, method, path, status, duration_ms, at) values ${rows.join(", ")}`,
      values,
    );
  }

  /**
   * Appends security events to the chain and the outbox in one transaction. Idempotent by event_id: an event
   * already stored (a retry after a lost commit acknowledgement) is skipped, never chained twice.
   */
  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [CHAIN_LOCK]);
      const stored = await tx.query<{ event_id: string }>(
        "select event_id::text as event_id from audit_security_events where event_id = any($1::uuid[])",
        [events.map((e) => e.event_id)],
      );
      const skip = new Set(stored.map((r) => r.event_id));
      const fresh = events.filter((e) => !skip.has(e.event_id));
      if (fresh.length === 0) return;
      const [last] = await tx.query<{ row_hash: string }>(
        "select row_hash from audit_security_events order by id desc limit 1",
      );
      const prev = last?.row_hash ?? GENESIS_HASH;
      await this.#appendChained(tx, fresh, prev);
    });
  }

  /** Chains `events` after `prev` and inserts them (rows and outbox) with one statement each. */
  async #appendChained(tx: SqlExecutor, events: readonly SecurityEvent[], prev: string): Promise<void> {
    const columns: unknown[][] = Array.from({ length: 18 }, () => []);
    let hash = prev;
    for (const e of events) {
      const row: ChainedEventRow = {
        event_id: e.event_id,
        event_type: e.event_type,
        severity: e.severity,
        occurred_at: e.occurred_at,
        occurrences: e.occurrences,
        client_ip: e.actor.client_ip,
        user_agent: e.actor.user_agent,
        method: e.request.method,
        path: e.request.path,
        api_key_id: e.actor.api_key_id,
        execution_id: e.execution.execution_id,
        execution_fingerprint: e.execution.execution_fingerprint,
        policy_id: e.policy.policy_id,
        policy_version: e.policy.policy_version,
        request_id: e.request.request_id,
        details: e.details,
      };
      const previous = hash;
      hash = rowHash(previous, row);
      const values = [
        row.event_id,
        row.event_type,
        row.severity,
        row.occurred_at,
        row.occurrences,
        row.client_ip,
        row.user_agent,
        row.method,
        row.path,
        row.api_key_id,
        row.execution_id,
        row.execution_fingerprint,
        row.policy_id,
        row.policy_version,
        row.request_id,
        JSON.stringify(row.details),
        previous,
        hash,
      ];
      values.forEach((v, i) => columns[i]?.push(v));
    }
    // unnest … with ordinality, ordered: ids are assigned in chain order.
    await tx.query(
      `insert into audit_security_events (event_id, event_type, severity, occurred_at, occurrences, client_ip, user_agent,
        method, path, api_key_id, execution_id, execution_fingerprint, policy_id, policy_version, request_id, details,
        prev_hash, row_hash)
       select e, t, s, o, n, ip, ua, m, p, k, x, f, pi, pv, r, d, ph, rh
       from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::jsonb[],
                   $17::text[], $18::text[])
            with ordinality as u(e, t, s, o, n, ip, ua, m, p, k, x, f, pi, pv, r, d, ph, rh, ord)
       order by ord`,
      columns,
    );
    // The hourly rollup that GET /audit/security reads (columns 2–5: type, severity, time, occurrences).
    await tx.query(
      `insert into audit_security_rollup as r (bucket, event_type, severity, occurrences, first_at, last_at)
       select date_trunc('hour', o, 'UTC'), t, s, sum(n), min(o), max(o)
       from unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) as u(t, s, o, n)
       group by 1, 2, 3
       order by 1, 2, 3
       on conflict (bucket, event_type, severity) do update set
         occurrences = r.occurrences + excluded.occurrences,
         first_at = least(r.first_at, excluded.first_at),
         last_at = greatest(r.last_at, excluded.last_at)`,
      columns.slice(1, 5),
    );
    await tx.query(
      `insert into security_event_outbox (event_id, envelope)
       select e, v from unnest($1::uuid[], $2::jsonb[]) with ordinality as u(e, v, ord) order by ord`,
      [events.map((e) => e.event_id), events.map((e) => JSON.stringify(e))],
    );
  }

  /**
   * Counts by type and severity. Whole hours inside the range come from the hourly rollup and only the partial
   * hours at its edges from the events themselves, so the cost does not grow with the table (a full scan took
   * 4.6 ms at 7,000 rows and rose by the minute under the soak's audit queries).
   */
  async securitySummary(range: TimeRange & { limit: number }): Promise<SecuritySummaryRow[]> {
    return this.#db.query<SecuritySummaryRow>(
      `with b as (
         select $1::timestamptz as f, $2::timestamptz as t,
                coalesce(case when date_trunc('hour', $1::timestamptz, 'UTC') = $1::timestamptz
                              then $1::timestamptz
                              else date_trunc('hour', $1::timestamptz, 'UTC') + interval '1 hour' end,
                         '-infinity') as lo,
                coalesce(date_trunc('hour', $2::timestamptz, 'UTC'), 'infinity') as hi
       ),
       parts as (
         select r.event_type, r.severity, r.occurrences, r.first_at, r.last_at
         from audit_security_rollup r, b
         where r.bucket >= b.lo and r.bucket < b.hi
         union all
         select e.event_type, e.severity, e.occurrences, e.occurred_at, e.occurred_at
         from audit_security_events e, b
         where (b.f is null or e.occurred_at >= b.f) and (b.t is null or e.occurred_at <= b.t)
           and (e.occurred_at < b.lo or e.occurred_at >= b.hi or b.lo >= b.hi)
       )
       select event_type, severity, sum(occurrences)::text as event_count,
              ${iso("min(first_at)")} as first_occurrence, ${iso("max(last_at)")} as last_occurrence
       from parts
       group by event_type, severity
       order by sum(occurrences) desc, event_type, severity
       limit $3`,
      [range.from ?? null, range.to ?? null, range.limit],
    );
  }

  async securityEvents(filter: EventFilter): Promise<Page<StoredEvent>> {
    const rows = await this.#db.query<StoredEvent>(
      `select ${EVENT_COLUMNS} from audit_security_events
       where ($1::timestamptz is null or occurred_at >= $1) and ($2::timestamptz is null or occurred_at <= $2)
         and ($3::text is null or event_type = $3) and ($4::text is null or severity = $4)
         and ($5::bigint is null or id < $5)
       order by audit_security_events.id desc limit $6`,
      [
        filter.from ?? null,
        filter.to ?? null,
        filter.type ?? null,
        filter.severity ?? null,
        decodeCursor(filter.cursor) ?? null,
        filter.limit + 1,
      ],
    );
    return page(rows, filter.limit, (row) => row);
  }

  async decisions(filter: DecisionFilter): Promise<Page<DecisionSummary>> {
    const rows = await this.#db.query<DecisionSummary & { id: string }>(
      `select id::text as id, execution_id as "executionId", policy_id as "policyId", policy_version as "policyVersion",
              action as decision, rule_id as "ruleId", execution_state as "executionState",
              requires_override as "requiresOverride", ${iso("issued_at")} as "issuedAt"
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

  async decision(executionId: string): Promise<(DecisionSummary & { attestation: Attestation }) | undefined> {
    const [row] = await this.#db.query<DecisionSummary & { attestation: Attestation | string }>(
      `select execution_id as "executionId", policy_id as "policyId", policy_version as "policyVersion",
              action as decision, rule_id as "ruleId", execution_state as "executionState",
              requires_override as "requiresOverride", ${iso("issued_at")} as "issuedAt", attestation
       from audit_decisions where execution_id = $1`,
      [executionId],
    );
    if (!row) return undefined;
    const attestation =
      typeof row.attestation === "string" ? (JSON.parse(row.attestation) as Attestation) : row.attestation;
    return { ...row, attestation };
  }

  async verifications(
    executionId: string,
  ): Promise<{ valid: boolean; checks: unknown; signerKeyId: string | null; verifiedAt: string }[]> {
    return this.#db.query(
      `select valid, checks, signer_key_id as "signerKeyId", ${iso("verified_at")} as "verifiedAt"
       from audit_verifications where execution_id = $1 order by verified_at desc, id desc limit 1000`,
      [executionId],
    );
  }

  async stats(): Promise<AuditStats> {
    const [row] = await this.#db.query<Record<keyof AuditStats, string>>(
      `select (select count(*) from audit_decisions)::text as decisions,
              (select count(*) from audit_decisions where issued_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC')::text as "decisionsToday",
              (select count(*) from audit_verifications where valid)::text as "verificationsValid",
              (select count(*) from audit_verifications where not valid)::text as "verificationsInvalid",
              (select coalesce(sum(occurrences), 0) from audit_security_events)::text as "securityEvents",
              (select count(*) from audit_api_access)::text as "apiCalls"`,
    );
    const n = (v: string | undefined): number => Number(v ?? 0);
    return {
      decisions: n(row?.decisions),
      decisionsToday: n(row?.decisionsToday),
      verificationsValid: n(row?.verificationsValid),
      verificationsInvalid: n(row?.verificationsInvalid),
      securityEvents: n(row?.securityEvents),
      apiCalls: n(row?.apiCalls),
    };
  }

  /** Recomputes the chain from the first row; returns the first break, or undefined when intact. */
  async verifyChain(
    onProgress?: (checked: number) => void,
  ): Promise<{ checked: number; broken?: ChainBreak }> {
    let prev = GENESIS_HASH;
    let after = "0";
    let checked = 0;
    for (;;) {
      const rows = await this.#db.query<StoredEvent>(
        `select ${EVENT_COLUMNS} from audit_security_events where id > $1::bigint order by audit_security_events.id limit 1000`,
        [after],
      );
      for (const row of rows) {
        if (row.prev_hash !== prev)
          return { checked, broken: { id: row.id, eventId: row.event_id, reason: "prev_hash" } };
        const details = typeof row.details === "string" ? (JSON.parse(row.details) as unknown) : row.details;
        if (rowHash(prev, { ...row, details }) !== row.row_hash) {
          return { checked, broken: { id: row.id, eventId: row.event_id, reason: "row_hash" } };
        }
        prev = row.row_hash;
        checked += 1;
      }
      onProgress?.(checked);
      const last = rows.at(-1);
      if (!last) return { checked };
      after = last.id;
    }
  }

  /**
   * Compares the hourly rollup behind GET /audit/security with the events themselves; returns the first
   * bucket where they differ (the rollup is derived, not chained, so an edit there is found here).
   */
  async verifyRollup(): Promise<RollupMismatch | undefined> {
    const [row] = await this.#db.query<RollupMismatch>(
      `with e as (
         select date_trunc('hour', occurred_at, 'UTC') as bucket, event_type, severity, sum(occurrences) as n
         from audit_security_events group by 1, 2, 3
       )
       select ${iso("coalesce(e.bucket, r.bucket)")} as bucket, coalesce(e.event_type, r.event_type) as "eventType",
              coalesce(e.severity, r.severity) as severity, coalesce(r.occurrences, 0)::text as rollup,
              coalesce(e.n, 0)::text as events
       from e full join audit_security_rollup r
         on r.bucket = e.bucket and r.event_type = e.event_type and r.severity = e.severity
       where coalesce(r.occurrences, 0) <> coalesce(e.n, 0)
       order by 1 limit 1`,
    );
    return row;
  }
}
