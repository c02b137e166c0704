// The operator's Prometheus metrics: controller-runtime's names for reconciles and work queues (so existing
// dashboards work), leader status, bundle verifications and the security events the operator raises.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { QueueObserver } from "./runtime/index.ts";

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<"controller" | "result">;
  readonly reconcileTime: Histogram<"controller">;
  readonly reconcileErrors: Counter<"controller">;
  readonly queueDepth: Gauge<"name">;
  readonly queueAdds: Counter<"name">;
  readonly queueRetries: Counter<"name">;
  readonly leader: Gauge<"name">;
  readonly verifications: Counter<"result" | "reason">;
  readonly securityEvents: Counter<"event_type" | "severity">;
  readonly informerLists: Counter<"resource" | "reason">;
  readonly referencedObjects: Gauge<"resource">;
  readonly serverReady: Gauge<"namespace" | "name">;
  /** Computed at scrape time from the verified PolicyBundles' trust. */
  readonly trustedKeyNotAfter: Gauge<"namespace" | "policy_bundle" | "key_id" | "in_use">;
  readonly queueObserver: QueueObserver;
}

/** A key a verified PolicyBundle is trusted through, and when it expires. */
export interface TrustedKeyExpiry {
  readonly namespace: string;
  readonly policyBundle: string;
  readonly keyId: string;
  readonly notAfter: Date;
  readonly inUse: boolean;
}

export function createOperatorMetrics(
  trustedKeys: () => readonly TrustedKeyExpiry[] = () => [],
): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const reconciles = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Reconciles per controller by result: success, requeue, waiting (not done yet, looked at again after a delay), stalled (not retried until something changes), error (retried with backoff).",
    labelNames: ["controller", "result"],
    registers,
  });
  const reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Time per reconcile.",
    labelNames: ["controller"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Reconciles that failed and will be retried.",
    labelNames: ["controller"],
    registers,
  });
  const queueDepth = new Gauge({
    name: "workqueue_depth",
    help: "Keys waiting.",
    labelNames: ["name"],
    registers,
  });
  const queueAdds = new Counter({
    name: "workqueue_adds_total",
    help: "Keys added to the work queue.",
    labelNames: ["name"],
    registers,
  });
  const queueRetries = new Counter({
    name: "workqueue_retries_total",
    help: "Keys re-added after a failed reconcile.",
    labelNames: ["name"],
    registers,
  });
  return {
    registry,
    reconciles,
    reconcileTime,
    reconcileErrors,
    queueDepth,
    queueAdds,
    queueRetries,
    leader: new Gauge({
      name: "leader_election_master_status",
      help: "1 while this operator process holds the leader Lease.",
      labelNames: ["name"],
      registers,
    }),
    verifications: new Counter({
      name: "parmana_bundle_verifications_total",
      help: "PolicyBundle verifications by result (success, failure) and reason code.",
      labelNames: ["result", "reason"],
      registers,
    }),
    securityEvents: new Counter({
      name: "parmana_security_events_total",
      help: "Security events raised by the operator, by type and severity.",
      labelNames: ["event_type", "severity"],
      registers,
    }),
    informerLists: new Counter({
      name: "parmana_operator_informer_lists_total",
      help: "Full lists per informer: initial, after an expired watch (410), after an error.",
      labelNames: ["resource", "reason"],
      registers,
    }),
    referencedObjects: new Gauge({
      name: "parmana_operator_referenced_objects",
      help: "Secrets and ConfigMaps watched because a PolicyBundle or GovernanceServer names them (no other object of those kinds is watched or cached).",
      labelNames: ["resource"],
      registers,
    }),
    trustedKeyNotAfter: new Gauge({
      name: "parmana_trusted_key_not_after_timestamp_seconds",
      help: "When a key trusted to sign a verified PolicyBundle stops being trusted (unix seconds); in_use: the bundle would fall below its threshold without it.",
      labelNames: ["namespace", "policy_bundle", "key_id", "in_use"],
      registers,
      collect() {
        this.reset();
        for (const e of trustedKeys())
          this.set(
            {
              namespace: e.namespace,
              policy_bundle: e.policyBundle,
              key_id: e.keyId,
              in_use: String(e.inUse),
            },
            Math.floor(e.notAfter.getTime() / 1000),
          );
      },
    }),
    serverReady: new Gauge({
      name: "parmana_governanceserver_ready",
      help: "1 when the GovernanceServer is Ready (rolled out on its current verified bundle set), else 0.",
      labelNames: ["namespace", "name"],
      registers,
    }),
    queueObserver: {
      added: (name) => {
        queueAdds.inc({ name });
      },
      depth: (name, depth) => {
        queueDepth.set({ name }, depth);
      },
      retried: (name) => {
        queueRetries.inc({ name });
      },
      reconciled: (controller, result, seconds) => {
        reconciles.inc({ controller, result });
        reconcileTime.observe({ controller }, seconds);
        if (result === "error") reconcileErrors.inc({ controller });
      },
    },
  };
}
