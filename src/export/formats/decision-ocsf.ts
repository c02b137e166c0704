// A decision record in OCSF 1.3.0: API Activity (6003, category Application Activity). The standard's text:
// "API events describe general CRUD (Create, Read, Update, and Delete) API activities" — a decision is the
// result of the API call POST /execute (activity Create: it creates the decision) and an override of
// POST /override (activity Update: it changes the decision's state), made by an actor (the API key) on a
// resource (the policy bundle), with status Success. Detection Finding (what the security events use) is for
// something detected; Compliance Finding evaluates resources against standards, not requests; Authorize
// Session is about a session's privileges. The decision itself has no attribute of its own in the class
// without a profile, so it is the API response (code, message: the action) and the rest is under unmapped.
import { packageVersion } from "../../version.ts";
import { parmanaFields, type DecisionRecord } from "../decisions/record.ts";
import { isPlainApproval } from "../decisions/filter.ts";
import { OCSF_VERSION } from "./ocsf.ts";

const API_ACTIVITY = {
  class_uid: 6003,
  class_name: "API Activity",
  category_uid: 6,
  category_name: "Application Activity",
};

export function ocsfDecision(r: DecisionRecord): Record<string, unknown> {
  const override = r.record_type === "override";
  const activity = override ? { id: 3, name: "Update" } : { id: 1, name: "Create" };
  const time = Date.parse(r.occurred_at);
  // Informational for a plain approval, Low for anything someone may want to look at.
  const severity = isPlainApproval(r) ? { id: 1, name: "Informational" } : { id: 2, name: "Low" };
  const operation = override ? "POST /override" : "POST /execute";
  return {
    ...API_ACTIVITY,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: API_ACTIVITY.class_uid * 100 + activity.id,
    type_name: `${API_ACTIVITY.class_name}: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: 1,
    status: "Success",
    time,
    message: `${r.policy.policy_id} ${r.policy.policy_version}: ${r.decision.action} (rule ${r.decision.rule_id})${override ? `, overridden: ${r.override?.approved === true ? "approved" : "rejected"}` : ""}`,
    metadata: {
      version: OCSF_VERSION,
      uid: r.record_id,
      correlation_uid: r.execution_id,
      product: { name: "Parmana Governance", vendor_name: "Parmana", version: packageVersion() },
      logged_time: time,
      labels: [`record_type:${r.record_type}`],
    },
    actor: {
      user:
        r.api_key_id === null
          ? { name: "anonymous", type_id: 0, type: "Unknown" }
          : { uid: r.api_key_id, type_id: 99, type: "API key" },
    },
    api: {
      operation,
      ...(r.request_id !== null && { request: { uid: r.request_id } }),
      response: { code: 200, message: r.decision.action },
    },
    // The class requires where the call came from; a record made outside HTTP says so by name.
    src_endpoint: r.client_ip === null ? { name: "unknown" } : { ip: r.client_ip },
    resources: [
      {
        type: "PolicyBundle",
        name: r.policy.policy_id,
        uid: r.policy.bundle_hash,
        version: r.policy.policy_version,
      },
    ],
    unmapped: { parmana: parmanaFields(r) },
  };
}
