// ArcSight CEF: one line per event, header and extension escaped as the CEF specification requires.
import type { SecurityEvent } from "../../events/index.ts";
import { packageVersion } from "../../version.ts";
import { TITLES } from "./facts.ts";

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

export function cefLine(e: SecurityEvent): string {
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
