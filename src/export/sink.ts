// What the outbox relay delivers to: security events to an ExportSink, decision records to a DecisionSink
// (one destination may be both, e.g. Kafka with a decisions topic).
import type { SecurityEvent, Severity } from "../events/index.ts";
import type { DecisionMode, DecisionRecord } from "./decisions/index.ts";

export interface ExportSink {
  /** Stable: deliveries are recorded per sink name. */
  readonly name: string;
  readonly minSeverity: Severity;
  /** Delivers a batch; resolves only when the destination acknowledged all of it. */
  send(events: readonly SecurityEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface DecisionSink {
  /** Stable: deliveries are recorded per sink name (in the decision stream's own table). */
  readonly name: string;
  /** Which records this sink sends (the others are recorded as had, not sent). */
  readonly decisionMode: DecisionMode;
  /** Delivers a batch of decision records; resolves only when the destination acknowledged all of it. */
  sendDecisions(records: readonly DecisionRecord[]): Promise<void>;
  close(): Promise<void>;
}

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export function atLeast(event: SecurityEvent, min: Severity): boolean {
  return RANK[event.severity] >= RANK[min];
}
