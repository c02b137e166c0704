// The hash chain over audit_security_events: each row's hash covers its content and the previous row's hash,
// so an edited, inserted or deleted row breaks every hash after it. Pure: the store reads, this computes.
import { canonicalize, sha256Hex } from "../crypto/index.ts";

export const GENESIS_HASH = "0".repeat(64);

/** The columns a row hash covers, as stored (occurred_at as ISO-8601 UTC with milliseconds). */
export interface ChainedEventRow {
  readonly event_id: string;
  readonly event_type: string;
  readonly severity: string;
  readonly occurred_at: string;
  readonly occurrences: number;
  readonly client_ip: string | null;
  readonly user_agent: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly api_key_id: string | null;
  readonly execution_id: string | null;
  readonly execution_fingerprint: string | null;
  readonly policy_id: string | null;
  readonly policy_version: string | null;
  readonly request_id: string | null;
  /** The trace the event was raised in (migration 8); hashed only when present, so older rows keep their hash. */
  readonly trace_id?: string | null;
  readonly details: unknown;
}

export function rowHash(prevHash: string, row: ChainedEventRow): string {
  const content = {
    event_id: row.event_id,
    event_type: row.event_type,
    severity: row.severity,
    occurred_at: new Date(row.occurred_at).toISOString(),
    occurrences: row.occurrences,
    client_ip: row.client_ip,
    user_agent: row.user_agent,
    method: row.method,
    path: row.path,
    api_key_id: row.api_key_id,
    execution_id: row.execution_id,
    execution_fingerprint: row.execution_fingerprint,
    policy_id: row.policy_id,
    policy_version: row.policy_version,
    request_id: row.request_id,
    ...(row.trace_id !== undefined && row.trace_id !== null && { trace_id: row.trace_id }),
    details: row.details,
  };
  return sha256Hex(`${prevHash}\n${canonicalize(content)}`);
}

export interface ChainBreak {
  readonly id: string;
  readonly eventId: string;
  readonly reason: "row_hash" | "prev_hash";
}
