// The server's Prometheus metrics (prom-client, its own registry). Labels never carry unbounded values.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ServerMetrics {
  readonly registry: Registry;
  readonly securityEvents: Counter<"event_type" | "severity">;
  readonly eventsDropped: Counter<"reason">;
  readonly executeRequests: Counter<"outcome">;
  readonly executeDuration: Histogram;
  readonly replayStoreDuration: Histogram<"operation">;
  readonly auditWriteDuration: Histogram<"table">;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const fast = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
  return {
    registry,
    securityEvents: new Counter({
      name: "parmana_security_events_total",
      help: "Security events raised, by type and severity (incremented by occurrences).",
      labelNames: ["event_type", "severity"],
      registers: [registry],
    }),
    eventsDropped: new Counter({
      name: "parmana_events_dropped_total",
      help: "Security events that could not be kept because a bounded buffer was full.",
      labelNames: ["reason"],
      registers: [registry],
    }),
    executeRequests: new Counter({
      name: "parmana_execute_requests_total",
      help: "POST /execute requests by outcome.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    executeDuration: new Histogram({
      name: "parmana_execute_duration_seconds",
      help: "Time to answer POST /execute.",
      buckets: fast,
      registers: [registry],
    }),
    replayStoreDuration: new Histogram({
      name: "parmana_replay_store_duration_seconds",
      help: "Replay store round trips.",
      labelNames: ["operation"],
      buckets: fast,
      registers: [registry],
    }),
    auditWriteDuration: new Histogram({
      name: "parmana_audit_write_duration_seconds",
      help: "Audit store writes.",
      labelNames: ["table"],
      buckets: fast,
      registers: [registry],
    }),
  };
}
