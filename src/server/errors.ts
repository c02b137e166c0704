// Every error the API returns: a stable code, a human message, the request id. 5xx bodies say nothing internal.

export const ErrorCode = {
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  rateLimited: "RATE_LIMITED",
  validationFailed: "VALIDATION_FAILED",
  invalidJson: "INVALID_JSON",
  bodyTooLarge: "BODY_TOO_LARGE",
  unsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  notFound: "NOT_FOUND",
  policyNotFound: "POLICY_NOT_FOUND",
  invalidPolicy: "INVALID_POLICY",
  replayed: "INV-013",
  replayInFlight: "REPLAY_IN_FLIGHT",
  replayStoreUnavailable: "REPLAY_STORE_UNAVAILABLE",
  noMatchingRule: "NO_MATCHING_RULE",
  auditUnavailable: "AUDIT_UNAVAILABLE",
  auditDbUnavailable: "AUDIT_DB_UNAVAILABLE",
  notPendingOverride: "NOT_PENDING_OVERRIDE",
  internal: "INTERNAL_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode] | `VAL-${string}`;

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  /** Extra members of the body (e.g. the VAL errors). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(statusCode: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.code = code;
    this.extra = extra;
  }
}
