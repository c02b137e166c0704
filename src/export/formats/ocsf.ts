// OCSF 1.3.0 renderings (README "SIEM mapping" gives the table and the standard's text behind each choice):
// what was detected is a Detection Finding (2004) in workflow state New; a refused request is API Activity
// (6003) with status Failure and the HTTP status code. Only attributes the class defines without a profile.
import type { SecurityEvent, SecurityEventType } from "../../events/index.ts";
import { packageVersion } from "../../version.ts";
import { httpStatusOf, refusalDetail, TITLES } from "./facts.ts";

export const OCSF_VERSION = "1.3.0";

type Json = Record<string, unknown>;

const FINDING = {
  class_uid: 2004,
  class_name: "Detection Finding",
  category_uid: 2,
  category_name: "Findings",
};
const API_ACTIVITY = {
  class_uid: 6003,
  class_name: "API Activity",
  category_uid: 6,
  category_name: "Application Activity",
};

const CLASS_OF: Readonly<Record<SecurityEventType, typeof FINDING>> = {
  replay_attempt: FINDING,
  signature_failure: FINDING,
  invalid_policy: FINDING,
  rate_limit_exceeded: API_ACTIVITY,
  unauthorized_access: API_ACTIVITY,
};

const SEVERITY_NAME: Readonly<Record<number, string>> = { 2: "Low", 3: "Medium", 4: "High", 5: "Critical" };

/** API Activity's activity is the operation the caller attempted, read from the HTTP method (REST semantics). */
function apiActivity(method: string | null): { id: number; name: string } {
  switch (method) {
    case null:
      return { id: 0, name: "Unknown" };
    case "POST":
      return { id: 1, name: "Create" };
    case "GET":
    case "HEAD":
      return { id: 2, name: "Read" };
    case "PUT":
    case "PATCH":
      return { id: 3, name: "Update" };
    case "DELETE":
      return { id: 4, name: "Delete" };
    default:
      return { id: 99, name: method };
  }
}

function operationOf(e: SecurityEvent): string | undefined {
  const text = `${e.request.method ?? ""} ${e.request.path ?? ""}`.trim();
  return text === "" ? undefined : text;
}

/** The API key as an OCSF user (its id, never the secret); an unauthenticated caller as "anonymous". */
function actorOf(e: SecurityEvent): Json {
  return e.actor.api_key_id === null
    ? { user: { name: "anonymous", type_id: 0, type: "Unknown" } }
    : { user: { uid: e.actor.api_key_id, type_id: 99, type: "API key" } };
}

function apiOf(e: SecurityEvent, operation: string): Json {
  const status = httpStatusOf(e);
  return {
    operation,
    ...(e.request.request_id !== null && { request: { uid: e.request.request_id } }),
    ...(status !== undefined && { response: { code: status, message: refusalDetail(e) } }),
  };
}

/** The policy bundle concerned, as the resource the event is about. */
function resourcesOf(e: SecurityEvent): Json {
  const { policy_id: name, policy_version: version, bundle_hash: uid } = e.policy;
  if (name === null && uid === null) return {};
  return {
    resources: [
      {
        type: "PolicyBundle",
        ...(name !== null && { name }),
        ...(uid !== null && { uid }),
        ...(version !== null && { version }),
      },
    ],
  };
}

function common(e: SecurityEvent, activity: { id: number; name: string }): Json {
  const cls = CLASS_OF[e.event_type];
  const time = Date.parse(e.occurred_at);
  return {
    ...cls,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: cls.class_uid * 100 + activity.id,
    type_name: `${cls.class_name}: ${activity.name}`,
    severity_id: e.severity_id,
    severity: SEVERITY_NAME[e.severity_id],
    time,
    message: e.message,
    count: e.occurrences,
    metadata: {
      version: OCSF_VERSION,
      uid: e.event_id,
      product: { name: "Parmana Governance", vendor_name: "Parmana", version: packageVersion() },
      logged_time: time,
      labels: [`component:${e.source.component}`],
    },
    ...resourcesOf(e),
    unmapped: {
      parmana: {
        event_type: e.event_type,
        outcome: e.outcome,
        user_agent: e.actor.user_agent,
        policy: e.policy,
        execution: e.execution,
        details: e.details,
        source: e.source,
      },
    },
  };
}

/** Detection Finding: the client that caused it is evidence (2004 has no src_endpoint of its own). */
function detectionFinding(e: SecurityEvent): Json {
  const operation = operationOf(e);
  const evidence: Json = {
    ...(e.actor.client_ip !== null && { src_endpoint: { ip: e.actor.client_ip } }),
    ...(e.actor.api_key_id !== null && { actor: actorOf(e) }),
    ...(operation !== undefined && { api: apiOf(e, operation) }),
  };
  return {
    ...common(e, { id: 1, name: "Create" }),
    status_id: 1,
    status: "New",
    finding_info: {
      uid: e.event_id,
      title: TITLES[e.event_type],
      types: [e.event_type],
      analytic: { name: e.event_type, type_id: 1, type: "Rule" },
    },
    ...(Object.keys(evidence).length > 0 && { evidences: [evidence] }),
  };
}

function apiActivityEvent(e: SecurityEvent): Json {
  const status = httpStatusOf(e);
  return {
    ...common(e, apiActivity(e.request.method)),
    status_id: 2,
    status: "Failure",
    ...(status !== undefined && { status_code: String(status) }),
    status_detail: refusalDetail(e),
    actor: actorOf(e),
    api: apiOf(e, operationOf(e) ?? e.event_type),
    ...(e.actor.client_ip !== null && { src_endpoint: { ip: e.actor.client_ip } }),
    ...(e.request.method !== null && {
      http_request: {
        http_method: e.request.method,
        ...(e.request.path !== null && { url: { path: e.request.path } }),
        ...(e.actor.user_agent !== null && { user_agent: e.actor.user_agent }),
        ...(e.request.request_id !== null && { uid: e.request.request_id }),
      },
    }),
  };
}

export function ocsfEvent(e: SecurityEvent): Json {
  return CLASS_OF[e.event_type] === FINDING ? detectionFinding(e) : apiActivityEvent(e);
}
