// The resource types the operator reads and writes, and the paths the library's Watch takes for them.

export interface ResourceType {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const ResourceTypes = {
  configMap: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap" },
  secret: { group: "", version: "v1", plural: "secrets", kind: "Secret" },
  service: { group: "", version: "v1", plural: "services", kind: "Service" },
  serviceAccount: { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount" },
  event: { group: "", version: "v1", plural: "events", kind: "Event" },
  deployment: { group: "apps", version: "v1", plural: "deployments", kind: "Deployment" },
  podDisruptionBudget: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
  },
  lease: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease" },
  serviceMonitor: {
    group: "monitoring.coreos.com",
    version: "v1",
    plural: "servicemonitors",
    kind: "ServiceMonitor",
  },
  policyBundle: {
    group: "governance.parmana.io",
    version: "v1alpha1",
    plural: "policybundles",
    kind: "PolicyBundle",
  },
  governanceServer: {
    group: "governance.parmana.io",
    version: "v1alpha1",
    plural: "governanceservers",
    kind: "GovernanceServer",
  },
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** /api/v1/namespaces/ns/configmaps (the collection the library's Watch watches), or cluster-wide. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${type.plural}`;
}
