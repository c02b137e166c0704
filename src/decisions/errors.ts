// What can go wrong in a decision, in the domain's words. The HTTP layer maps each kind to a status and a
// code in one table (src/server/decision-errors.ts); messages are for people and say nothing internal.
import type { SignalError } from "../policy/index.ts";

export type DecisionErrorKind =
  | "policy_not_served"
  | "policy_refused"
  | "signals_invalid"
  | "no_matching_rule"
  | "replayed"
  | "in_flight"
  | "rate_limited"
  | "replay_store_unavailable"
  | "audit_unavailable"
  | "audit_not_configured"
  | "audit_db_unavailable"
  | "self_check_failed"
  | "not_an_attestation"
  | "decision_not_found"
  | "not_pending_override";

export class DecisionError extends Error {
  readonly kind: DecisionErrorKind;
  /** Machine-readable particulars (the signal errors, for signals_invalid). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(kind: DecisionErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "DecisionError";
    this.kind = kind;
    this.details = details;
  }
}

export const replayed = (executionId: string): DecisionError =>
  new DecisionError(
    "replayed",
    `[INV-013@replay] executionId ${executionId} was already consumed; each executionId decides once`,
  );

export const signalsInvalid = (errors: readonly SignalError[]): DecisionError => {
  const [first] = errors;
  return new DecisionError("signals_invalid", first?.message ?? "signals are invalid", {
    code: first?.code ?? "VAL-001",
    errors,
  });
};
