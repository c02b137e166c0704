// The audit database as the server uses it: one object over the concerns that live in their own modules —
// the decision log, the security-event chain and its queries, the API access log and the stats. Callers that
// need one concern take that module's interface; this keeps them together over one connection.
import type { SecurityEvent } from "../events/index.ts";
import type { ChainBreak } from "./chain.ts";
import {
  PostgresDecisionLog,
  type DecisionRecordSource,
  type DecisionFilter,
  type DecisionSummary,
  type VerificationRow,
} from "./decision-log.ts";
import type { Page, TimeRange } from "./paging.ts";
import { recordApiAccess, type ApiAccessRecord } from "./api-access-store.ts";
import { SecurityEventChain, type RollupMismatch, type StoredEvent } from "./security-event-chain.ts";
import { SecurityEventQueries, type EventFilter, type SecuritySummaryRow } from "./security-event-queries.ts";
import type { SqlClient } from "./sql.ts";
import { auditStats, type AuditStats } from "./stats.ts";

export class AuditStore {
  readonly #db: SqlClient;
  /** Decisions, overrides and verifications (the decisions' DecisionLog port). */
  readonly decisionLog: PostgresDecisionLog;
  readonly chain: SecurityEventChain;
  readonly securityQueries: SecurityEventQueries;

  /** `decisionRecords`: the decisions and overrides the export sends (none when absent). */
  constructor(db: SqlClient, decisionRecords?: DecisionRecordSource) {
    this.#db = db;
    this.decisionLog = new PostgresDecisionLog(db, decisionRecords);
    this.chain = new SecurityEventChain(db);
    this.securityQueries = new SecurityEventQueries(db);
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

  appendSecurityEvents(events: readonly SecurityEvent[]): Promise<void> {
    return this.chain.append(events);
  }

  recordApiAccess(records: readonly ApiAccessRecord[]): Promise<void> {
    return recordApiAccess(this.#db, records);
  }

  securitySummary(range: TimeRange & { limit: number }): Promise<SecuritySummaryRow[]> {
    return this.securityQueries.summary(range);
  }

  securityEvents(filter: EventFilter): Promise<Page<StoredEvent>> {
    return this.securityQueries.events(filter);
  }

  decisions(filter: DecisionFilter): Promise<Page<DecisionSummary>> {
    return this.decisionLog.decisions(filter);
  }

  decision(executionId: string): ReturnType<PostgresDecisionLog["decision"]> {
    return this.decisionLog.decision(executionId);
  }

  verifications(executionId: string): Promise<VerificationRow[]> {
    return this.decisionLog.verifications(executionId);
  }

  stats(): Promise<AuditStats> {
    return auditStats(this.#db);
  }

  verifyChain(
    onProgress?: (checked: number) => void,
    from?: { readonly lastId: string; readonly lastRowHash: string },
  ): Promise<{ checked: number; broken?: ChainBreak }> {
    return this.chain.verify(onProgress, from);
  }

  verifyRollup(): Promise<RollupMismatch | undefined> {
    return this.chain.verifyRollup();
  }
}
