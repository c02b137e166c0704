// The security-event envelope: one shape, built once where an event is raised (server or operator), from
// which every store and sink renders what it needs.
import { v7 as uuidv7 } from "uuid";

export const SecurityEventType = {
  replayAttempt: "replay_attempt",
  signatureFailure: "signature_failure",
  invalidPolicy: "invalid_policy",
  rateLimitExceeded: "rate_limit_exceeded",
  unauthorizedAccess: "unauthorized_access",
} as const;
export type SecurityEventType = (typeof SecurityEventType)[keyof typeof SecurityEventType];

export type Severity = "low" | "medium" | "high" | "critical";

/** OCSF severity ids. */
export const SEVERITY_ID: Readonly<Record<Severity, number>> = { low: 2, medium: 3, high: 4, critical: 5 };

export const SEVERITY_OF: Readonly<Record<SecurityEventType, Severity>> = {
  replay_attempt: "high",
  signature_failure: "critical",
  invalid_policy: "high",
  rate_limit_exceeded: "medium",
  unauthorized_access: "high",
};

const OUTCOME_OF: Readonly<Record<SecurityEventType, SecurityEvent["outcome"]>> = {
  replay_attempt: "denied",
  signature_failure: "failure",
  invalid_policy: "failure",
  rate_limit_exceeded: "denied",
  unauthorized_access: "denied",
};

export interface SecurityEvent {
  readonly event_id: string;
  readonly event_type: SecurityEventType;
  readonly severity: Severity;
  readonly severity_id: number;
  readonly occurred_at: string;
  readonly occurrences: number;
  readonly outcome: "denied" | "failure" | "detected";
  readonly message: string;
  readonly source: {
    readonly component: "server" | "operator";
    readonly instance: string;
    readonly namespace: string | null;
    readonly governance_server: string | null;
  };
  readonly actor: {
    readonly api_key_id: string | null;
    readonly client_ip: string | null;
    readonly user_agent: string | null;
  };
  readonly request: {
    readonly method: string | null;
    readonly path: string | null;
    readonly request_id: string | null;
  };
  readonly policy: {
    readonly policy_id: string | null;
    readonly policy_version: string | null;
    readonly bundle_hash: string | null;
    readonly revision: number | null;
  };
  readonly execution: { readonly execution_id: string | null; readonly execution_fingerprint: string | null };
  readonly details: Readonly<Record<string, unknown>>;
  readonly trace: { readonly trace_id: string | null; readonly span_id: string | null };
}

export interface EventSource {
  readonly component: "server" | "operator";
  readonly instance: string;
  readonly namespace?: string;
  readonly governanceServer?: string;
}

export interface RaiseInput {
  readonly type: SecurityEventType;
  readonly message: string;
  readonly occurredAt?: Date;
  readonly occurrences?: number;
  readonly actor?: {
    apiKeyId?: string | undefined;
    clientIp?: string | undefined;
    userAgent?: string | undefined;
  };
  readonly request?: {
    method?: string | undefined;
    path?: string | undefined;
    requestId?: string | undefined;
  };
  readonly policy?: {
    policyId?: string | undefined;
    policyVersion?: string | undefined;
    bundleHash?: string | undefined;
    revision?: number | undefined;
  };
  readonly execution?: { executionId?: string | undefined; fingerprint?: string | undefined };
  readonly details?: Record<string, unknown>;
  /** The trace the event was raised in (a SIEM alert links to it). */
  readonly trace?: { readonly traceId: string; readonly spanId: string } | undefined;
}

/** Caps on what a client controls, so that an event can never carry an unbounded string. */
const MAX_TEXT = 512;
const clip = (value: string | undefined): string | null =>
  value === undefined ? null : value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;

function actorOf(input: RaiseInput): SecurityEvent["actor"] {
  const a = input.actor ?? {};
  return { api_key_id: clip(a.apiKeyId), client_ip: clip(a.clientIp), user_agent: clip(a.userAgent) };
}

function requestOf(input: RaiseInput): SecurityEvent["request"] {
  const r = input.request ?? {};
  return { method: clip(r.method), path: clip(r.path), request_id: clip(r.requestId) };
}

function policyOf(input: RaiseInput): SecurityEvent["policy"] {
  const p = input.policy ?? {};
  return {
    policy_id: clip(p.policyId),
    policy_version: clip(p.policyVersion),
    bundle_hash: clip(p.bundleHash),
    revision: p.revision ?? null,
  };
}

export function buildSecurityEvent(input: RaiseInput, source: EventSource): SecurityEvent {
  const severity = SEVERITY_OF[input.type];
  return {
    event_id: uuidv7(),
    event_type: input.type,
    severity,
    severity_id: SEVERITY_ID[severity],
    occurred_at: (input.occurredAt ?? new Date()).toISOString(),
    occurrences: input.occurrences ?? 1,
    outcome: OUTCOME_OF[input.type],
    message: input.message,
    source: {
      component: source.component,
      instance: source.instance,
      namespace: source.namespace ?? null,
      governance_server: source.governanceServer ?? null,
    },
    actor: actorOf(input),
    request: requestOf(input),
    policy: policyOf(input),
    execution: {
      execution_id: clip(input.execution?.executionId),
      execution_fingerprint: clip(input.execution?.fingerprint),
    },
    details: input.details ?? {},
    trace: { trace_id: input.trace?.traceId ?? null, span_id: input.trace?.spanId ?? null },
  };
}
