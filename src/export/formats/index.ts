// Renderings of the security-event envelope for SIEMs: OCSF 1.3 (default), Elastic Common Schema, CEF, raw.
import type { SecurityEvent } from "../../events/index.ts";
import type { DecisionRecord } from "../decisions/index.ts";
import { cefLine } from "./cef.ts";
import { ecsDecision } from "./decision-ecs.ts";
import { ocsfDecision } from "./decision-ocsf.ts";
import { ecsDocument } from "./ecs.ts";
import { ocsfEvent, OCSF_VERSION } from "./ocsf.ts";

export const EXPORT_FORMATS = ["ocsf", "ecs", "cef", "raw"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Decision records have no CEF rendering: CEF has no field for a decision's rule, state or signals. */
export const DECISION_FORMATS = ["ocsf", "ecs", "raw"] as const;
export type DecisionFormat = (typeof DECISION_FORMATS)[number];

export interface Rendered {
  readonly value: string;
  readonly contentType: string;
  /** The `schema` record header, e.g. `ocsf/1.3.0`. */
  readonly schema: string;
}

export function renderEvent(event: SecurityEvent, format: ExportFormat): Rendered {
  switch (format) {
    case "ocsf":
      return {
        value: JSON.stringify(ocsfEvent(event)),
        contentType: "application/json",
        schema: `ocsf/${OCSF_VERSION}`,
      };
    case "ecs":
      return {
        value: JSON.stringify(ecsDocument(event)),
        contentType: "application/json",
        schema: "ecs/8.11",
      };
    case "cef":
      return { value: cefLine(event), contentType: "text/plain", schema: "cef/0" };
    case "raw":
      return {
        value: JSON.stringify(event),
        contentType: "application/json",
        schema: "parmana/security-event-v1",
      };
  }
}

export function renderDecision(record: DecisionRecord, format: DecisionFormat): Rendered {
  switch (format) {
    case "ocsf":
      return {
        value: JSON.stringify(ocsfDecision(record)),
        contentType: "application/json",
        schema: `ocsf/${OCSF_VERSION}`,
      };
    case "ecs":
      return {
        value: JSON.stringify(ecsDecision(record)),
        contentType: "application/json",
        schema: "ecs/8.11",
      };
    case "raw":
      return {
        value: JSON.stringify(record),
        contentType: "application/json",
        schema: "parmana/decision-record-v1",
      };
  }
}
