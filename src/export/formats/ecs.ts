// Elastic Common Schema 8.11 renderings (README "SIEM mapping"): event.kind alert, a categorisation whose
// event.type is one ECS lists as expected for its event.category, and every non-ECS field under `parmana.*`.
import type { SecurityEvent } from "../../events/index.ts";
import { packageVersion } from "../../version.ts";
import { authProblemOf, httpStatusOf, TITLES } from "./facts.ts";

export const ECS_VERSION = "8.11.0";

interface Categorisation {
  readonly category: readonly string[];
  readonly type: readonly string[];
}

const DETECTED_DENIED: Categorisation = { category: ["intrusion_detection"], type: ["denied"] };
const DETECTED: Categorisation = { category: ["intrusion_detection"], type: ["info"] };
const CONFIGURATION_CHANGE: Categorisation = { category: ["configuration"], type: ["change"] };
const API_DENIED: Categorisation = { category: ["api"], type: ["denied"] };
const FAILED_AUTHENTICATION: Categorisation = { category: ["authentication"], type: ["start"] };

function categorisationOf(e: SecurityEvent): Categorisation {
  switch (e.event_type) {
    case "replay_attempt":
      return DETECTED_DENIED;
    case "signature_failure":
      return DETECTED;
    case "invalid_policy":
      return CONFIGURATION_CHANGE;
    case "rate_limit_exceeded":
      return API_DENIED;
    case "unauthorized_access":
      // A key that was missing or not recognised is a failed authentication; a valid key without the scope
      // authenticated and was then denied the API call.
      return authProblemOf(e) === "scope" ? API_DENIED : FAILED_AUTHENTICATION;
  }
}

function httpOf(e: SecurityEvent): Record<string, unknown> {
  const status = httpStatusOf(e);
  if (e.request.method === null && status === undefined) return {};
  return {
    http: {
      ...(e.request.method !== null && {
        request: {
          method: e.request.method,
          ...(e.request.request_id !== null && { id: e.request.request_id }),
        },
      }),
      ...(status !== undefined && { response: { status_code: status } }),
    },
  };
}

export function ecsDocument(e: SecurityEvent): Record<string, unknown> {
  const { category, type } = categorisationOf(e);
  const reason = e.details["reason"];
  return {
    "@timestamp": e.occurred_at,
    ecs: { version: ECS_VERSION },
    message: e.message,
    event: {
      kind: "alert",
      id: e.event_id,
      category,
      type,
      outcome: "failure",
      action: e.event_type,
      severity: e.severity_id,
      ...(typeof reason === "string" && { reason }),
      dataset: "parmana.security",
      module: "parmana",
    },
    rule: { name: e.event_type, ruleset: "parmana", description: TITLES[e.event_type] },
    ...(e.actor.client_ip !== null && { source: { ip: e.actor.client_ip } }),
    ...(e.actor.user_agent !== null && { user_agent: { original: e.actor.user_agent } }),
    ...httpOf(e),
    ...(e.request.path !== null && { url: { path: e.request.path } }),
    observer: { vendor: "Parmana", product: "Parmana Governance", version: packageVersion() },
    labels: {
      component: e.source.component,
      ...(e.source.namespace !== null && { namespace: e.source.namespace }),
    },
    parmana: {
      severity: e.severity,
      occurrences: e.occurrences,
      api_key_id: e.actor.api_key_id,
      policy: e.policy,
      execution: e.execution,
      details: e.details,
    },
  };
}
