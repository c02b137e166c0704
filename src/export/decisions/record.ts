// A decision or an override as a record for the decision log export (issue 22): what was decided, under
// which policy, for which executionId (the record's key), by whom — with the caller's signals, which leave
// in clear only as far as a sink's allowlist says (filter.ts); the signals hash always goes.
import type { Attestation } from "../../attest/index.ts";
import type { SignalValue } from "../../policy/index.ts";

export interface DecisionRecord {
  readonly record_type: "decision" | "override";
  /** Unique per record: `decision:<executionId>` or `override:<executionId>` (each happens once). */
  readonly record_id: string;
  readonly occurred_at: string;
  readonly execution_id: string;
  readonly execution_state: string;
  readonly policy: {
    readonly policy_id: string;
    readonly policy_version: string;
    readonly bundle_hash: string;
    readonly revision: number;
  };
  readonly decision: {
    readonly action: string;
    readonly rule_id: string;
    readonly requires_override: boolean;
    readonly reason: string;
  };
  readonly signals_hash: string;
  /** The normalised signals; a sink sends only its allowlisted ones (the rest are named in signals_withheld). */
  readonly signals: Readonly<Record<string, SignalValue>>;
  readonly signals_withheld?: readonly string[];
  readonly api_key_id: string | null;
  readonly request_id: string | null;
  /** Where the request came from, as the server saw it (null when not over HTTP). */
  readonly client_ip: string | null;
  readonly signer_key_id: string;
  readonly override?: {
    readonly approved: boolean;
    readonly approved_by: string;
    readonly approver_role: string;
    readonly reason: string;
  };
}

export function decisionRecord(
  a: Attestation,
  signals: Readonly<Record<string, SignalValue>>,
  caller: {
    readonly apiKeyId: string | null;
    readonly requestId: string | null;
    readonly clientIp?: string | null;
  },
): DecisionRecord {
  return {
    record_type: "decision",
    record_id: `decision:${a.executionId}`,
    occurred_at: a.issuedAt,
    execution_id: a.executionId,
    execution_state: a.execution_state,
    policy: {
      policy_id: a.policyId,
      policy_version: a.policyVersion,
      bundle_hash: a.bundleHash,
      revision: a.bundleRevision,
    },
    decision: {
      action: a.decision.action,
      rule_id: a.decision.ruleId,
      requires_override: a.decision.requires_override,
      reason: a.decision.reason,
    },
    signals_hash: a.signalsHash,
    signals,
    api_key_id: caller.apiKeyId,
    request_id: caller.requestId,
    client_ip: caller.clientIp ?? null,
    signer_key_id: a.signerKeyId,
  };
}

/** The override of a pending decision: the decision it resolved, its new state, and who decided. */
export function overrideRecord(
  decided: DecisionRecord,
  override: {
    readonly approved: boolean;
    readonly approvedBy: string;
    readonly approverRole: string;
    readonly reason: string;
    readonly decidedAt: Date;
    readonly apiKeyId: string | null;
    readonly clientIp?: string | null;
  },
): DecisionRecord {
  return {
    ...decided,
    record_type: "override",
    record_id: `override:${decided.execution_id}`,
    occurred_at: override.decidedAt.toISOString(),
    execution_state: override.approved ? "overridden_approved" : "overridden_rejected",
    api_key_id: override.apiKeyId,
    client_ip: override.clientIp ?? null,
    override: {
      approved: override.approved,
      approved_by: override.approvedBy,
      approver_role: override.approverRole,
      reason: override.reason,
    },
  };
}

/** The record's own fields as both renderings carry them (under parmana.* in ECS, unmapped.parmana in OCSF). */
export function parmanaFields(r: DecisionRecord): Record<string, unknown> {
  return {
    record_type: r.record_type,
    execution_id: r.execution_id,
    execution_state: r.execution_state,
    api_key_id: r.api_key_id,
    decision: r.decision,
    policy: r.policy,
    signals_hash: r.signals_hash,
    signals: r.signals,
    ...(r.signals_withheld && { signals_withheld: r.signals_withheld }),
    signer_key_id: r.signer_key_id,
    ...(r.override && { override: r.override }),
  };
}
