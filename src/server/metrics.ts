// The server's Prometheus metrics (prom-client, its own registry). Labels never carry unbounded values.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ServerMetrics {
  readonly registry: Registry;
  readonly securityEvents: Counter<"event_type" | "severity">;
  readonly eventsDropped: Counter<"reason">;
  readonly executeRequests: Counter<"outcome">;
  readonly shadowEvaluations: Counter<"policy_id" | "enforced_version" | "shadow_version" | "agree">;
  readonly executeDuration: Histogram;
  readonly replayStoreDuration: Histogram<"operation">;
  readonly auditWriteDuration: Histogram<"table">;
  /** Attestations per signature (PARMANA_SIGNING_MODE=batched). */
  readonly signingBatchSize: Histogram;
  readonly exportDelivered: Counter<"sink" | "stream">;
  readonly exportFailures: Counter<"sink" | "stream">;
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
    shadowEvaluations: new Counter({
      name: "parmana_shadow_evaluations_total",
      help: "Shadow evaluations beside an enforced version, by whether the shadow decided the same (action, ruleId, requires_override).",
      labelNames: ["policy_id", "enforced_version", "shadow_version", "agree"],
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
    exportDelivered: new Counter({
      name: "parmana_export_delivered_total",
      help: "Records delivered to an export sink (acknowledged by it); stream security_events or decisions.",
      labelNames: ["sink", "stream"],
      registers: [registry],
    }),
    exportFailures: new Counter({
      name: "parmana_export_failures_total",
      help: "Failed delivery attempts to an export sink (each batch attempt counts once); stream as delivered_total, or prune.",
      labelNames: ["sink", "stream"],
      registers: [registry],
    }),
    auditWriteDuration: new Histogram({
      name: "parmana_audit_write_duration_seconds",
      help: "Audit store writes.",
      labelNames: ["table"],
      buckets: fast,
      registers: [registry],
    }),
    signingBatchSize: new Histogram({
      name: "parmana_signing_batch_size",
      help: "Attestations covered by one signature (PARMANA_SIGNING_MODE=batched).",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096],
      registers: [registry],
    }),
  };
}

/** One outbox stream read by one sink, as the outbox gauges label it. */
export interface OutboxChannel {
  readonly sink: string;
  readonly stream: string;
}

/** Outbox gauges per sink and stream, computed from the database at scrape time. */
export function registerOutboxGauges(
  metrics: ServerMetrics,
  channels: readonly OutboxChannel[],
  backlog: (channel: OutboxChannel) => Promise<{ pending: number; lagSeconds: number }>,
): void {
  const snapshot = async (): Promise<[OutboxChannel, { pending: number; lagSeconds: number }][]> =>
    Promise.all(
      channels.map(
        async (c) =>
          [c, await backlog(c).catch(() => ({ pending: Number.NaN, lagSeconds: Number.NaN }))] as [
            OutboxChannel,
            { pending: number; lagSeconds: number },
          ],
      ),
    );
  new Gauge({
    name: "parmana_export_outbox_lag_seconds",
    help: "Age of the oldest record of the stream not yet delivered to the sink (0 when none).",
    labelNames: ["sink", "stream"],
    registers: [metrics.registry],
    async collect() {
      for (const [c, b] of await snapshot()) this.set({ sink: c.sink, stream: c.stream }, b.lagSeconds);
    },
  });
  new Gauge({
    name: "parmana_export_outbox_pending",
    help: "Records of the stream not yet delivered to the sink.",
    labelNames: ["sink", "stream"],
    registers: [metrics.registry],
    async collect() {
      for (const [c, b] of await snapshot()) this.set({ sink: c.sink, stream: c.stream }, b.pending);
    },
  });
}

/** The exported name of a trusted key's expiry, shared by the server and the operator (alerts key on it). */
export const TRUSTED_KEY_NOT_AFTER = "parmana_trusted_key_not_after_timestamp_seconds";

/** When each trusted key with a notAfter expires, and whether the active bundles depend on it; at scrape time. */
export function registerTrustedKeyGauge(
  metrics: ServerMetrics,
  expiries: () => readonly { keyId: string; notAfter: Date; inUse: boolean }[],
): void {
  new Gauge({
    name: TRUSTED_KEY_NOT_AFTER,
    help: "When a trusted bundle-signing key stops being trusted (unix seconds); in_use: an active bundle would fall below its threshold without it.",
    labelNames: ["key_id", "in_use"],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const e of expiries())
        this.set({ key_id: e.keyId, in_use: String(e.inUse) }, Math.floor(e.notAfter.getTime() / 1000));
    },
  });
}
