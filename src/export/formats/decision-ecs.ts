// A decision record in Elastic Common Schema 8.11: event.kind "event" (it happened; nothing was detected),
// event.category "api" with the event.type ECS expects for it — "allowed" for a plain approval, "denied"
// for a decision that refuses, "info" for one that waits on a person (requires_override), "change" for an
// override — event.outcome success (the call did what was asked), the rule that decided as rule.*, and the
// rest under parmana.*.
import { packageVersion } from "../../version.ts";
import { parmanaFields, type DecisionRecord } from "../decisions/record.ts";
import { ECS_VERSION } from "./ecs.ts";

function typeOf(r: DecisionRecord): string {
  if (r.record_type === "override") return "change";
  if (r.decision.requires_override) return "info";
  return r.decision.action === "approve" ? "allowed" : "denied";
}

export function ecsDecision(r: DecisionRecord): Record<string, unknown> {
  return {
    "@timestamp": r.occurred_at,
    ecs: { version: ECS_VERSION },
    message: `${r.policy.policy_id} ${r.policy.policy_version}: ${r.decision.action} (rule ${r.decision.rule_id})`,
    event: {
      kind: "event",
      id: r.record_id,
      category: ["api"],
      type: [typeOf(r)],
      outcome: "success",
      action: r.record_type,
      dataset: "parmana.decisions",
      module: "parmana",
      reason: r.decision.reason,
    },
    rule: {
      id: r.decision.rule_id,
      name: r.decision.rule_id,
      ruleset: `${r.policy.policy_id}@${r.policy.policy_version}`,
    },
    ...(r.request_id !== null && { http: { request: { id: r.request_id } } }),
    ...(r.client_ip !== null && { source: { ip: r.client_ip } }),
    observer: { vendor: "Parmana", product: "Parmana Governance", version: packageVersion() },
    parmana: parmanaFields(r),
  };
}
