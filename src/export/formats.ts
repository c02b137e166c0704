// Renderings of the security-event envelope for SIEMs: OCSF 1.3 (default), Elastic Common Schema, CEF, raw.
import type { SecurityEvent, SecurityEventType } from "../events/index.ts";
import { packageVersion } from "../version.ts";

export const EXPORT_FORMATS = ["ocsf", "ecs", "cef", "raw"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface Rendered {
  readonly value: string;
  readonly contentType: string;
  /** The `schema` record header, e.g. `ocsf/1.3.0`. */
  readonly schema: string;
}

const OCSF_VERSION = "1.3.0";
const PRODUCT = { name: "Parmana Governance", vendor_name: "Parmana" } as const;

interface OcsfClass {
  readonly class_uid: number;
  readonly category_uid: number;
  readonly class_name: string;
  readonly activity_id: number;
}

// Detection Finding (2004) for what was detected; API Activity (6003) for requests that were refused.
const OCSF_CLASS: Readonly<Record<SecurityEventType, OcsfClass>> = {
  replay_attempt: { class_uid: 2004, category_uid: 2, class_name: "Detection Finding", activity_id: 1 },
  signature_failure: { class_uid: 2004, category_uid: 2, class_name: "Detection Finding", activity_id: 1 },
  invalid_policy: { class_uid: 2004, category_uid: 2, class_name: "Detection Finding", activity_id: 1 },
  unauthorized_access: { class_uid: 6003, category_uid: 6, class_name: "API Activity", activity_id: 99 },
  rate_limit_exceeded: { class_uid: 6003, category_uid: 6, class_name: "API Activity", activity_id: 99 },
};

const TITLES: Readonly<Record<SecurityEventType, string>> = {
  replay_attempt: "Replayed executionId",
  signature_failure: "Attestation signature verification failed",
  invalid_policy: "Policy bundle failed verification",
  rate_limit_exceeded: "Client exceeded its rate limit",
  unauthorized_access: "Invalid, missing or under-scoped API key",
};

const OCSF_SEVERITY_NAME: Readonly<Record<number, string>> = {
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
};

function ocsf(e: SecurityEvent): Record<string, unknown> {
  const cls = OCSF_CLASS[e.event_type];
  const time = Date.parse(e.occurred_at);
  const common = {
    class_uid: cls.class_uid,
    class_name: cls.class_name,
    category_uid: cls.category_uid,
    activity_id: cls.activity_id,
    type_uid: cls.class_uid * 100 + cls.activity_id,
    severity_id: e.severity_id,
    severity: OCSF_SEVERITY_NAME[e.severity_id],
    time,
    message: e.message,
    count: e.occurrences,
    status_id: 2,
    status: "Failure",
    metadata: {
      version: OCSF_VERSION,
      uid: e.event_id,
      product: { ...PRODUCT, version: packageVersion() },
      logged_time: time,
      labels: [`component:${e.source.component}`],
    },
    unmapped: {
      parmana: {
        event_type: e.event_type,
        outcome: e.outcome,
        policy: e.policy,
        execution: e.execution,
        details: e.details,
        source: e.source,
      },
    },
  };
  const endpoint = e.actor.client_ip === null ? {} : { src_endpoint: { ip: e.actor.client_ip } };
  if (cls.class_uid === 2004) {
    return {
      ...common,
      finding_info: {
        uid: e.event_id,
        title: TITLES[e.event_type],
        types: [e.event_type],
        analytic: { name: e.event_type, type_id: 1, type: "Rule" },
      },
      ...endpoint,
    };
  }
  return {
    ...common,
    disposition_id: e.event_type === "rate_limit_exceeded" ? 3 : 2,
    disposition: e.event_type === "rate_limit_exceeded" ? "Blocked" : "Denied",
    api: {
      operation: `${e.request.method ?? ""} ${e.request.path ?? ""}`.trim(),
      request: { uid: e.request.request_id },
    },
    actor: { user: { uid: e.actor.api_key_id, type: "API key" } },
    http_request: {
      http_method: e.request.method,
      url: { path: e.request.path },
      user_agent: e.actor.user_agent,
      uid: e.request.request_id,
    },
    ...endpoint,
  };
}

const ECS_CATEGORY: Readonly<Record<SecurityEventType, string[]>> = {
  replay_attempt: ["intrusion_detection"],
  signature_failure: ["intrusion_detection"],
  invalid_policy: ["configuration", "intrusion_detection"],
  rate_limit_exceeded: ["network", "web"],
  unauthorized_access: ["authentication", "iam"],
};

function ecs(e: SecurityEvent): Record<string, unknown> {
  return {
    "@timestamp": e.occurred_at,
    message: e.message,
    event: {
      kind: "alert",
      id: e.event_id,
      category: ECS_CATEGORY[e.event_type],
      type: e.outcome === "denied" ? ["denied"] : ["info"],
      outcome: "failure",
      action: e.event_type,
      severity: e.severity_id,
      count: e.occurrences,
      dataset: "parmana.security",
      module: "parmana",
    },
    rule: { name: e.event_type, ruleset: "parmana", description: TITLES[e.event_type] },
    ...(e.actor.client_ip !== null && { source: { ip: e.actor.client_ip } }),
    ...(e.actor.user_agent !== null && { user_agent: { original: e.actor.user_agent } }),
    ...(e.request.method !== null && {
      http: { request: { method: e.request.method, id: e.request.request_id } },
    }),
    ...(e.request.path !== null && { url: { path: e.request.path } }),
    observer: { vendor: "Parmana", product: "Parmana Governance", version: packageVersion() },
    labels: {
      component: e.source.component,
      ...(e.source.namespace !== null && { namespace: e.source.namespace }),
    },
    parmana: {
      severity: e.severity,
      api_key_id: e.actor.api_key_id,
      policy: e.policy,
      execution: e.execution,
      details: e.details,
    },
  };
}

const escapeHeader = (text: string): string =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]/g, " ");
const escapeValue = (text: string): string =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/=/g, "\\=")
    .replace(/\r?\n|\r/g, "\\n");

/** CEF severity 0–10 from OCSF's 2–5. */
const CEF_SEVERITY: Readonly<Record<number, number>> = { 2: 3, 3: 5, 4: 8, 5: 10 };

function cef(e: SecurityEvent): string {
  const extensions: [string, string | number | null][] = [
    ["rt", Date.parse(e.occurred_at)],
    ["externalId", e.event_id],
    ["cnt", e.occurrences],
    ["outcome", e.outcome],
    ["src", e.actor.client_ip],
    ["suser", e.actor.api_key_id],
    ["requestMethod", e.request.method],
    ["request", e.request.path],
    ["requestClientApplication", e.actor.user_agent],
    ["cs1Label", "executionId"],
    ["cs1", e.execution.execution_id],
    ["cs2Label", "policy"],
    ["cs2", e.policy.policy_id === null ? null : `${e.policy.policy_id}@${e.policy.policy_version ?? ""}`],
    ["cs3Label", "requestId"],
    ["cs3", e.request.request_id],
    ["msg", e.message],
  ];
  const ext = extensions
    .filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) => `${k}=${escapeValue(String(v))}`)
    .join(" ");
  const header = [
    "CEF:0",
    "Parmana",
    "Parmana Governance",
    packageVersion(),
    e.event_type,
    TITLES[e.event_type],
    String(CEF_SEVERITY[e.severity_id] ?? 5),
  ];
  return `${header.map(escapeHeader).join("|")}|${ext}`;
}

export function renderEvent(event: SecurityEvent, format: ExportFormat): Rendered {
  switch (format) {
    case "ocsf":
      return {
        value: JSON.stringify(ocsf(event)),
        contentType: "application/json",
        schema: `ocsf/${OCSF_VERSION}`,
      };
    case "ecs":
      return { value: JSON.stringify(ecs(event)), contentType: "application/json", schema: "ecs/8.11" };
    case "cef":
      return { value: cef(event), contentType: "text/plain", schema: "cef/0" };
    case "raw":
      return {
        value: JSON.stringify(event),
        contentType: "application/json",
        schema: "parmana/security-event-v1",
      };
  }
}
