// Where a GovernanceServer's pods run and what they may use: the user's podTemplate, with defaults that keep
// a security control available — replicas spread across nodes (hard) and zones (soft), a preference for one
// pod per node, and container resources when none are given.
import type { GovernanceServerSpec } from "./schema.ts";

type Json = Record<string, unknown>;

// No CPU limit: CFS quotas throttle a latency-critical server in bursts; the request reserves its share.
// Ephemeral storage covers the container's logs (the root filesystem is read-only; /tmp is a bounded emptyDir).
export const DEFAULT_RESOURCES: Json = {
  requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
  limits: { memory: "512Mi", "ephemeral-storage": "256Mi" },
};

/**
 * For two or more replicas: at most one pod more on any node than on another (DoNotSchedule), counting only
 * nodes the pods could run on (cordoned and tainted nodes are not domains, so a drain never blocks a
 * rollout), and a preference for spreading across zones where nodes carry the zone label.
 */
export function defaultTopologySpread(selector: Readonly<Record<string, string>>): Json[] {
  const common = {
    maxSkew: 1,
    labelSelector: { matchLabels: { ...selector } },
    nodeAffinityPolicy: "Honor",
    nodeTaintsPolicy: "Honor",
  };
  return [
    { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" },
    { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
  ];
}

/** A preference for one pod per node, beside the spread (what kube-linter and kube-score look for). */
export function defaultAffinity(selector: Readonly<Record<string, string>>): Json {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: { ...selector } },
          },
        },
      ],
    },
  };
}

/** The pod spec fields that come from `spec.podTemplate` (and the defaults where it says nothing). */
export function podScheduling(spec: GovernanceServerSpec, selector: Readonly<Record<string, string>>): Json {
  const template = spec.podTemplate;
  const replicas = spec.replicas ?? 2;
  const spread = template?.topologySpreadConstraints ?? (replicas > 1 ? defaultTopologySpread(selector) : []);
  return {
    ...(template?.nodeSelector && { nodeSelector: template.nodeSelector }),
    ...(template?.tolerations && { tolerations: template.tolerations }),
    ...(template?.affinity !== undefined
      ? { affinity: template.affinity }
      : replicas > 1 && { affinity: defaultAffinity(selector) }),
    ...(spread.length > 0 && { topologySpreadConstraints: spread }),
    ...(template?.priorityClassName !== undefined && { priorityClassName: template.priorityClassName }),
  };
}

/** The server container's resources: podTemplate's, else the older top-level `spec.resources`, else defaults. */
export function containerResources(spec: GovernanceServerSpec): Json {
  // Free-form in the CRD (the API server validates it as a PodSpec's resources when the Deployment is applied).
  return (spec.podTemplate?.resources ?? spec.resources ?? DEFAULT_RESOURCES) as Json;
}

/** The pod's labels: the user's, never overriding the ones the operator selects and owns the pods by. */
export function podLabels(
  spec: GovernanceServerSpec,
  own: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...spec.podTemplate?.labels, ...own };
}
