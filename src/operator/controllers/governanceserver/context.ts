// What the GovernanceServer controller reads and is told with: its caches, its client and its callbacks.
import type { Logger } from "pino";
import type { ObjectLookup } from "../../bundle-source.ts";
import type { EventRecorder } from "../../events.ts";
import type { KubeClient, KubeObject } from "../../kube/index.ts";
import type { AuditRetentionDefaults } from "../../render.ts";
import type { GovernanceServer, PolicyBundle } from "../../schema.ts";

export interface DeploymentObject extends KubeObject {
  spec?: {
    replicas?: number;
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

export interface GovernanceServerContext {
  readonly client: KubeClient;
  readonly servers: { get(namespace: string, name: string): GovernanceServer | undefined };
  readonly bundles: { list(namespace: string): PolicyBundle[] };
  readonly deployments: { get(namespace: string, name: string): DeploymentObject | undefined };
  readonly configMaps: { list(namespace: string): KubeObject[] };
  readonly lookup: ObjectLookup;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly defaultImage: string;
  readonly auditRetentionDefaults?: AuditRetentionDefaults;
  /** Whether the Prometheus Operator's ServiceMonitor is served (asked once, then cached by the caller). */
  readonly serviceMonitors: () => Promise<boolean>;
  /** Told the Ready state after each reconcile (the operator's parmana_governanceserver_ready gauge). */
  readonly readiness?: (namespace: string, name: string, ready: boolean | undefined) => void;
}
