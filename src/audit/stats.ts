// Whole-table counts for the dashboard's Stats tab (not a hot path: they count).
import type { SqlClient } from "./sql.ts";

export interface AuditStats {
  readonly decisions: number;
  readonly decisionsToday: number;
  readonly verificationsValid: number;
  readonly verificationsInvalid: number;
  readonly securityEvents: number;
  readonly apiCalls: number;
}

export async function auditStats(db: SqlClient): Promise<AuditStats> {
  const [row] = await db.query<Record<keyof AuditStats, string>>(
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
