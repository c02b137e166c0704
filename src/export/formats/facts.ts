// What every rendering says the same way: a title per event type and the HTTP answer the client was given.
import type { SecurityEvent, SecurityEventType } from "../../events/index.ts";

export const TITLES: Readonly<Record<SecurityEventType, string>> = {
  replay_attempt: "Replayed executionId",
  signature_failure: "Attestation signature verification failed",
  invalid_policy: "Policy bundle failed verification",
  rate_limit_exceeded: "Client exceeded its rate limit",
  unauthorized_access: "Invalid, missing or under-scoped API key",
};

/** `details.reason` of an unauthorized_access event: how the key failed (src/server/app.ts). */
export type AuthProblem = "missing" | "malformed" | "unknown" | "scope";

export function authProblemOf(event: SecurityEvent): AuthProblem | undefined {
  const reason = event.details["reason"];
  return reason === "missing" || reason === "malformed" || reason === "unknown" || reason === "scope"
    ? reason
    : undefined;
}

/** The HTTP status the server answered with, for the event types that are refusals of one request. */
export function httpStatusOf(event: SecurityEvent): number | undefined {
  if (event.event_type === "rate_limit_exceeded") return 429;
  if (event.event_type === "unauthorized_access") return authProblemOf(event) === "scope" ? 403 : 401;
  return undefined;
}

const AUTH_DETAIL: Readonly<Record<AuthProblem, string>> = {
  missing: "no API key presented",
  malformed: "malformed Authorization header",
  unknown: "unknown API key",
  scope: "API key lacks the route's scope",
};

/** A short, fixed phrase for why a request was refused (never client-controlled text). */
export function refusalDetail(event: SecurityEvent): string | undefined {
  if (event.event_type === "rate_limit_exceeded") return "rate limit exceeded";
  if (event.event_type !== "unauthorized_access") return undefined;
  const problem = authProblemOf(event);
  return problem === undefined ? "unauthorized" : AUTH_DETAIL[problem];
}
