// What the outbox relay delivers to.
import type { SecurityEvent, Severity } from "../events/index.ts";

export interface ExportSink {
  /** Stable: deliveries are recorded per sink name. */
  readonly name: string;
  readonly minSeverity: Severity;
  /** Delivers a batch; resolves only when the destination acknowledged all of it. */
  send(events: readonly SecurityEvent[]): Promise<void>;
  close(): Promise<void>;
}

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export function atLeast(event: SecurityEvent, min: Severity): boolean {
  return RANK[event.severity] >= RANK[min];
}
