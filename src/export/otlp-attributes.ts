// OpenTelemetry log-record attributes for the exported records: the semantic conventions' names where they
// exist (client.address, security_rule.*, url.path…), `parmana.*` for the rest; nulls are left out.
import type { Attributes } from "@opentelemetry/api";
import type { SecurityEvent } from "../events/index.ts";
import type { DecisionRecord } from "./decisions/index.ts";

type Values = Record<string, string | number | boolean | readonly string[] | null | undefined>;

const present = (attributes: Values): Attributes =>
  Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined));

/** Semantic-convention attributes where they exist, `parmana.*` for the rest; nulls are left out. */
export function otlpAttributes(event: SecurityEvent): Attributes {
  return present({
    "client.address": event.actor.client_ip,
    "user_agent.original": event.actor.user_agent,
    "http.request.method": event.request.method,
    "url.path": event.request.path,
    "security_rule.name": event.event_type,
    "security_rule.ruleset.name": event.policy.policy_id,
    "security_rule.version": event.policy.policy_version,
    "parmana.event_id": event.event_id,
    "parmana.event_type": event.event_type,
    "parmana.severity": event.severity,
    "parmana.severity_id": event.severity_id,
    "parmana.outcome": event.outcome,
    "parmana.occurrences": event.occurrences,
    "parmana.source.component": event.source.component,
    "parmana.source.instance": event.source.instance,
    "parmana.source.namespace": event.source.namespace,
    "parmana.governance_server": event.source.governance_server,
    "parmana.api_key_id": event.actor.api_key_id,
    "parmana.request_id": event.request.request_id,
    "parmana.bundle_hash": event.policy.bundle_hash,
    "parmana.revision": event.policy.revision,
    "parmana.execution_id": event.execution.execution_id,
    "parmana.execution_fingerprint": event.execution.execution_fingerprint,
    "parmana.details": Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : undefined,
  });
}

/** A decision record's attributes: the rule as security_rule.*, the rest under parmana.*. */
export function otlpDecisionAttributes(r: DecisionRecord): Attributes {
  return present({
    "client.address": r.client_ip,
    "security_rule.name": r.decision.rule_id,
    "security_rule.ruleset.name": r.policy.policy_id,
    "security_rule.version": r.policy.policy_version,
    "parmana.record_type": r.record_type,
    "parmana.record_id": r.record_id,
    "parmana.execution_id": r.execution_id,
    "parmana.execution_state": r.execution_state,
    "parmana.decision.action": r.decision.action,
    "parmana.decision.requires_override": r.decision.requires_override,
    "parmana.bundle_hash": r.policy.bundle_hash,
    "parmana.revision": r.policy.revision,
    "parmana.signals_hash": r.signals_hash,
    "parmana.signals": Object.keys(r.signals).length > 0 ? JSON.stringify(r.signals) : undefined,
    "parmana.signals_withheld": r.signals_withheld,
    "parmana.api_key_id": r.api_key_id,
    "parmana.request_id": r.request_id,
    "parmana.signer_key_id": r.signer_key_id,
    "parmana.override.approved": r.override?.approved,
    "parmana.override.approved_by": r.override?.approved_by,
    "parmana.override.approver_role": r.override?.approver_role,
    "parmana.override.reason": r.override?.reason,
  });
}
