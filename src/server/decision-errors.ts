// The one table from decision errors to HTTP: status and stable code per kind (the message is the error's).
import type { DecisionError, DecisionErrorKind } from "../decisions/index.ts";
import { ApiError, ErrorCode } from "./errors.ts";

const HTTP: Readonly<Record<DecisionErrorKind, readonly [number, ErrorCode]>> = {
  policy_not_served: [404, ErrorCode.policyNotFound],
  policy_refused: [422, ErrorCode.invalidPolicy],
  signals_invalid: [422, "VAL-001"],
  no_matching_rule: [422, ErrorCode.noMatchingRule],
  replayed: [422, ErrorCode.replayed],
  in_flight: [409, ErrorCode.replayInFlight],
  rate_limited: [429, ErrorCode.rateLimited],
  replay_store_unavailable: [503, ErrorCode.replayStoreUnavailable],
  audit_unavailable: [503, ErrorCode.auditUnavailable],
  audit_not_configured: [503, ErrorCode.auditDbUnavailable],
  audit_db_unavailable: [503, ErrorCode.auditDbUnavailable],
  self_check_failed: [500, ErrorCode.internal],
  not_an_attestation: [400, ErrorCode.validationFailed],
  decision_not_found: [404, ErrorCode.notFound],
  not_pending_override: [409, ErrorCode.notPendingOverride],
};

export function httpError(error: DecisionError): ApiError {
  const [status, code] = HTTP[error.kind];
  if (error.kind === "signals_invalid") {
    // The first signal error's own VAL code, and every error in the body.
    const { code: valCode, errors } = error.details as { code: ErrorCode; errors: unknown };
    return new ApiError(status, valCode, error.message, { errors });
  }
  if (error.kind === "rate_limited") {
    // The body the rate limiter answers with on every other route.
    const { max, resetInMs } = error.details as { max?: number; resetInMs?: number };
    return new ApiError(status, code, error.message, {
      limit: max,
      remaining: 0,
      reset: Math.ceil((Date.now() + (resetInMs ?? 0)) / 1000),
    });
  }
  return new ApiError(status, code, error.message);
}
