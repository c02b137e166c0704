// /override: a decision pending an override is approved or rejected once, with a record signed in its own
// domain. The decision log is the authority: the override and the decision's new state are written in one
// transaction, and only then is the replay store told. An override whose log write fails has changed nothing
// and may be retried; a second override finds the decision no longer pending.
import { ExecutionState } from "../attest/index.ts";
import { canonicalize, sha256Hex, SigningDomain, signPayload } from "../crypto/index.ts";
import type { Caller } from "./caller.ts";
import { DecisionError } from "./errors.ts";
import type { DecisionDeps, DecisionLog } from "./ports.ts";

export interface OverrideInput {
  readonly executionId: string;
  readonly approved: boolean;
  readonly approvedBy: string;
  readonly approverRole: string;
  readonly reason: string;
}

export interface OverrideRecord {
  readonly executionId: string;
  readonly attestationHash: string;
  readonly approved: boolean;
  readonly approvedBy: string;
  readonly approverRole: string;
  readonly reason: string;
  readonly decidedAt: string;
  readonly signerKeyId: string;
  readonly signature: string;
}

export interface OverrideResult {
  readonly executionId: string;
  readonly status: "overridden_approved" | "overridden_rejected";
  readonly override: OverrideRecord;
}

const auditDbDown = (): DecisionError =>
  new DecisionError("audit_db_unavailable", "the audit database is unavailable");

const notPending = (executionId: string): DecisionError =>
  new DecisionError("not_pending_override", `executionId ${executionId} is not pending an override`);

async function pendingDecision(log: DecisionLog, executionId: string): Promise<string> {
  const decision = await log.decision(executionId).catch(() => {
    throw auditDbDown();
  });
  if (!decision) throw new DecisionError("decision_not_found", `no decision for executionId ${executionId}`);
  if (decision.executionState !== ExecutionState.pendingOverride) throw notPending(executionId);
  return sha256Hex(canonicalize(decision.attestation));
}

export async function overrideDecision(
  deps: Pick<DecisionDeps, "decisionLog" | "replay" | "signer" | "clock" | "observer">,
  input: OverrideInput,
  caller: Caller,
): Promise<OverrideResult> {
  const log = deps.decisionLog;
  if (!log)
    throw new DecisionError(
      "audit_not_configured",
      "overrides need the audit database, which is not configured",
    );
  const attestationHash = await pendingDecision(log, input.executionId);
  const decidedAt = deps.clock.now();
  const unsigned = {
    executionId: input.executionId,
    attestationHash,
    approved: input.approved,
    approvedBy: input.approvedBy,
    approverRole: input.approverRole,
    reason: input.reason,
    decidedAt: decidedAt.toISOString(),
    signerKeyId: deps.signer.keyId,
  };
  const record = { ...unsigned, signature: signPayload(SigningDomain.override, unsigned, deps.signer) };
  const applied = await log
    .recordOverride({
      ...input,
      record,
      apiKeyId: caller.apiKeyId ?? null,
      clientIp: caller.clientIp ?? null,
      decidedAt,
    })
    .catch(() => {
      throw auditDbDown();
    });
  if (!applied) throw notPending(input.executionId);
  // The log has the override; the replay store's PENDING_OVERRIDE → OVERRIDDEN follows (both states keep the
  // id consumed, so a store that misses it loses nothing).
  await deps.replay.resolveOverride(input.executionId).catch((error: unknown) => {
    deps.observer.warn?.("override recorded, but the replay store could not be updated", error);
  });
  return {
    executionId: input.executionId,
    status: input.approved ? "overridden_approved" : "overridden_rejected",
    override: record,
  };
}
