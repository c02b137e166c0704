// What a GovernanceServer is made of, rendered as plain objects for server-side apply: the content-addressed
// bundle-set ConfigMap, a hardened Deployment running `parmana server`, its Service, ServiceAccount,
// PodDisruptionBudget and ServiceMonitor. Pure functions: the same input renders the same bytes.
import { FIELD_MANAGER } from "./runtime/index.ts";
import { createHash } from "node:crypto";
import { canonicalize } from "../crypto/index.ts";
import { packageVersion } from "../version.ts";
import type {
  V1ConfigMap,
  V1Deployment,
  V1EnvVar,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { KubeObject, Named, ObjectMetadata } from "./kube/index.ts";
import { containerResources, podLabels, podScheduling } from "./pod-scheduling.ts";
import { API_VERSION, type ActiveBundle, type GovernanceServer } from "./schema.ts";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_GOVERNANCE_SERVER = "governance.parmana.io/governance-server";
export const ANNOTATION_BUNDLE_SET = "governance.parmana.io/bundle-set-hash";
export const ANNOTATION_SECRETS = "governance.parmana.io/secrets-hash";
export const ANNOTATION_BUNDLES = "governance.parmana.io/bundles";
/** app.kubernetes.io/managed-by of what the operator creates: its field manager name. */
export const MANAGER = FIELD_MANAGER;

export const PORTS = { http: 3000, dashboard: 8081, metrics: 9464 } as const;
/** A stopping pod drains for 5 s, then has 10 s to finish; the kubelet's SIGKILL comes 10 s after that. */
export const SHUTDOWN = { drainMs: 5_000, graceMs: 10_000, terminationGraceSeconds: 25 } as const;
export const MOUNTS = {
  bundles: "/etc/parmana/bundles",
  apiKeys: "/etc/parmana/api-keys",
  signing: "/etc/parmana/signing",
  kafkaCa: "/etc/parmana/kafka-ca",
  kafkaSasl: "/etc/parmana/kafka-sasl",
  redisCa: "/etc/parmana/redis-ca",
} as const;
export const API_KEYS_SECRET_KEY = "keys.yaml";
export const SIGNING_SECRET_KEY = "private.pem";

export interface SelectedBundle extends ActiveBundle {
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The *.pub keys of the bundle's trust Secret. */
  readonly trustKeys: ReadonlyMap<string, Uint8Array>;
}

export interface BundleSet {
  readonly hash: string;
  readonly active: ActiveBundle[];
  readonly data: Record<string, string>;
  readonly items: { key: string; path: string }[];
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** The set's files under ConfigMap keys (no "/" allowed there) and the items that lay them out on disk. */
export function renderBundleSet(bundles: readonly SelectedBundle[]): BundleSet {
  const sorted = [...bundles].sort((a, b) =>
    a.policyId === b.policyId
      ? a.policyVersion.localeCompare(b.policyVersion)
      : a.policyId.localeCompare(b.policyId),
  );
  const data: Record<string, string> = {};
  const items: { key: string; path: string }[] = [];
  const trust = new Map<string, string>();
  sorted.forEach((bundle, index) => {
    for (const [file, bytes] of [...bundle.files].sort(([a], [b]) => a.localeCompare(b))) {
      const key = `b${String(index)}.${file.replaceAll("/", "__")}`;
      data[key] = Buffer.from(bytes).toString("utf8");
      items.push({ key, path: `policies/${bundle.policyId}/${bundle.policyVersion}/${file}` });
    }
    for (const pem of bundle.trustKeys.values())
      trust.set(sha256(pem).slice(0, 16), Buffer.from(pem).toString("utf8"));
  });
  for (const [id, pem] of [...trust].sort(([a], [b]) => a.localeCompare(b))) {
    data[`trust.${id}.pub`] = pem;
    items.push({ key: `trust.${id}.pub`, path: `trust/${id}.pub` });
  }
  const active = sorted.map(({ name, policyId, policyVersion, bundleHash, revision, shadowOf }) => ({
    name,
    policyId,
    policyVersion,
    bundleHash,
    revision,
    ...(shadowOf !== undefined && { shadowOf }),
  }));
  const hash = `sha256:${sha256(canonicalize({ bundles: active.map(({ name: _, ...b }) => b), trust: [...trust.keys()].sort() }))}`;
  return { hash, active, data, items };
}

export function bundleSetConfigMapName(server: string, hash: string): string {
  return `${server}-bundles-${hash.replace("sha256:", "").slice(0, 10)}`;
}

/** The Prometheus Operator's ServiceMonitor (a CRD of its own; the library has no model of it). */
export type ServiceMonitorObject = KubeObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; interval: string }[];
  };
};

function ownerReference(gs: GovernanceServer): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: "GovernanceServer",
    name: gs.metadata.name,
    uid: gs.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(gs: GovernanceServer, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "parmana-governance-server",
    [LABEL_INSTANCE]: gs.metadata.name,
    [LABEL_COMPONENT]: component,
    [LABEL_MANAGED_BY]: MANAGER,
    [LABEL_GOVERNANCE_SERVER]: gs.metadata.name,
  };
}

function selectorLabels(gs: GovernanceServer): Record<string, string> {
  return { "app.kubernetes.io/name": "parmana-governance-server", [LABEL_INSTANCE]: gs.metadata.name };
}

function meta(gs: GovernanceServer, name: string, component: string): ObjectMetadata {
  return {
    name,
    namespace: gs.metadata.namespace,
    labels: labels(gs, component),
    ownerReferences: [ownerReference(gs)],
  };
}

export function renderBundleConfigMap(gs: GovernanceServer, set: BundleSet): Named<V1ConfigMap> {
  return {
    metadata: {
      ...meta(gs, bundleSetConfigMapName(gs.metadata.name, set.hash), "bundle-set"),
      annotations: { [ANNOTATION_BUNDLE_SET]: set.hash, [ANNOTATION_BUNDLES]: JSON.stringify(set.active) },
    },
    immutable: true,
    data: set.data,
  };
}

export function renderServiceAccount(gs: GovernanceServer): Named<V1ServiceAccount> {
  return { metadata: meta(gs, gs.metadata.name, "server"), automountServiceAccountToken: false };
}

export function renderService(gs: GovernanceServer): Named<V1Service> {
  const dashboard = gs.spec.dashboard?.enabled ?? true;
  return {
    metadata: meta(gs, gs.metadata.name, "server"),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(gs),
      ports: [
        { name: "http", port: PORTS.http, targetPort: "http", protocol: "TCP" },
        ...(dashboard
          ? [{ name: "dashboard", port: PORTS.dashboard, targetPort: "dashboard", protocol: "TCP" }]
          : []),
        { name: "metrics", port: PORTS.metrics, targetPort: "metrics", protocol: "TCP" },
      ],
    },
  };
}

export function renderPodDisruptionBudget(gs: GovernanceServer): Named<V1PodDisruptionBudget> {
  return {
    metadata: meta(gs, gs.metadata.name, "server"),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(gs) },
      // Readiness follows Redis: in a Redis outage every pod is unready, and a PDB that counted them healthy-
      // only would block `kubectl drain` until Redis returned. Unready pods may always be evicted.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

export function renderServiceMonitor(gs: GovernanceServer): ServiceMonitorObject {
  return {
    metadata: meta(gs, gs.metadata.name, "server"),
    spec: {
      selector: { matchLabels: { [LABEL_INSTANCE]: gs.metadata.name, [LABEL_COMPONENT]: "server" } },
      endpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
    },
  };
}

type EnvVar = V1EnvVar;

const secretEnv = (name: string, ref: { name: string; key: string }): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
});

/** REDIS_URL (any form) and what Sentinel, TLS and replica durability need, as the server's variables. */
function redisEnv(gs: GovernanceServer): { env: EnvVar[]; volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const redis = gs.spec.redis;
  const env: EnvVar[] = [secretEnv("REDIS_URL", redis.urlSecretRef)];
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (redis.sentinelPasswordSecretRef)
    env.push(secretEnv("REDIS_SENTINEL_PASSWORD", redis.sentinelPasswordSecretRef));
  if (redis.tls) {
    env.push({ name: "REDIS_TLS_CA_FILE", value: `${MOUNTS.redisCa}/ca.crt` });
    volumes.push({
      name: "redis-ca",
      secret: {
        secretName: redis.tls.caSecretRef.name,
        items: [{ key: redis.tls.caSecretRef.key, path: "ca.crt" }],
      },
    });
    mounts.push({ name: "redis-ca", mountPath: MOUNTS.redisCa, readOnly: true });
  }
  if (redis.minReplicas !== undefined)
    env.push({ name: "PARMANA_REPLAY_MIN_REPLICAS", value: String(redis.minReplicas) });
  if (redis.waitMs !== undefined) env.push({ name: "PARMANA_REPLAY_WAIT_MS", value: String(redis.waitMs) });
  return { env, volumes, mounts };
}

type Mounted = { env: EnvVar[]; volumes: V1Volume[]; mounts: V1VolumeMount[] };

function kafkaExportEnv(
  kafka: NonNullable<NonNullable<GovernanceServer["spec"]["export"]>["kafka"]>,
  { env, volumes, mounts }: Mounted,
): void {
  {
    env.push(
      { name: "PARMANA_EXPORT_KAFKA_BROKERS", value: kafka.brokers.join(",") },
      { name: "PARMANA_EXPORT_KAFKA_TOPIC", value: kafka.topic ?? "parmana.security-events" },
      { name: "PARMANA_EXPORT_KAFKA_FORMAT", value: kafka.format ?? "ocsf" },
      { name: "PARMANA_EXPORT_KAFKA_MIN_SEVERITY", value: kafka.minSeverity ?? "low" },
    );
    if (kafka.decisions)
      env.push(
        { name: "PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC", value: kafka.decisions.topic },
        { name: "PARMANA_EXPORT_KAFKA_DECISIONS_MODE", value: kafka.decisions.mode ?? "all" },
        { name: "PARMANA_EXPORT_KAFKA_DECISIONS_FORMAT", value: kafka.decisions.format ?? "ocsf" },
      );
    if (kafka.tls?.enabled === true) {
      env.push({ name: "PARMANA_EXPORT_KAFKA_TLS", value: "true" });
      if (kafka.tls.caSecretRef) {
        env.push({ name: "PARMANA_EXPORT_KAFKA_TLS_CA_FILE", value: `${MOUNTS.kafkaCa}/ca.crt` });
        volumes.push({
          name: "kafka-ca",
          secret: {
            secretName: kafka.tls.caSecretRef.name,
            items: [{ key: kafka.tls.caSecretRef.key, path: "ca.crt" }],
          },
        });
        mounts.push({ name: "kafka-ca", mountPath: MOUNTS.kafkaCa, readOnly: true });
      }
    }
    if (kafka.sasl) {
      env.push(
        { name: "PARMANA_EXPORT_KAFKA_SASL_MECHANISM", value: kafka.sasl.mechanism },
        secretEnv("PARMANA_EXPORT_KAFKA_SASL_USERNAME", { name: kafka.sasl.secretRef.name, key: "username" }),
        { name: "PARMANA_EXPORT_KAFKA_SASL_PASSWORD_FILE", value: `${MOUNTS.kafkaSasl}/password` },
      );
      volumes.push({
        name: "kafka-sasl",
        secret: { secretName: kafka.sasl.secretRef.name, items: [{ key: "password", path: "password" }] },
      });
      mounts.push({ name: "kafka-sasl", mountPath: MOUNTS.kafkaSasl, readOnly: true });
    }
  }
}

function exportEnv(gs: GovernanceServer): Mounted {
  const mounted: Mounted = { env: [], volumes: [], mounts: [] };
  const { env } = mounted;
  const kafka = gs.spec.export?.kafka;
  if (kafka) kafkaExportEnv(kafka, mounted);
  const otlp = gs.spec.export?.otlp;
  if (otlp) {
    env.push(
      { name: "PARMANA_EXPORT_OTLP_ENDPOINT", value: `${otlp.endpoint.replace(/\/$/, "")}/v1/logs` },
      { name: "PARMANA_EXPORT_OTLP_MIN_SEVERITY", value: otlp.minSeverity ?? "low" },
    );
    if (otlp.decisions) env.push({ name: "PARMANA_EXPORT_OTLP_DECISIONS_MODE", value: otlp.decisions.mode });
  }
  const signals = gs.spec.export?.decisionSignals;
  if (signals && signals.length > 0)
    env.push({ name: "PARMANA_EXPORT_DECISIONS_SIGNALS", value: signals.join(",") });
  return mounted;
}

/** Audit retention (days) for servers whose spec does not set it: the operator's flags, from the Helm values. */
export type AuditRetentionDefaults = Readonly<
  Partial<Record<"apiAccessDays" | "decisionsDays" | "verificationsDays", number>>
>;

export interface DeploymentInput {
  readonly set: BundleSet;
  readonly secretsHash: string;
  readonly defaultImage: string;
  readonly auditRetentionDefaults?: AuditRetentionDefaults;
}

/**
 * The audit retention and replay window a GovernanceServer asks for (else the operator's defaults), as the
 * server's variables.
 */
function auditRetentionEnv(spec: GovernanceServer["spec"], defaults: AuditRetentionDefaults = {}): EnvVar[] {
  const r = { ...defaults, ...spec.audit.retention };
  const pairs: [string, number | undefined][] = [
    ["PARMANA_AUDIT_RETENTION_API_ACCESS_DAYS", r.apiAccessDays],
    ["PARMANA_AUDIT_RETENTION_DECISIONS_DAYS", r.decisionsDays],
    ["PARMANA_AUDIT_RETENTION_VERIFICATIONS_DAYS", r.verificationsDays],
    ["PARMANA_REPLAY_RETENTION_SECONDS", spec.audit.replayRetentionSeconds],
  ];
  return pairs.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value: String(value) }]));
}

/** PARMANA_SHADOW_BUNDLES for the set's shadow bundles (none: no variable). */
function shadowEnv(set: BundleSet): EnvVar[] {
  const bindings = set.active.flatMap((b) =>
    b.shadowOf === undefined ? [] : [`${b.policyId}/${b.policyVersion}=${b.shadowOf}`],
  );
  return bindings.length === 0 ? [] : [{ name: "PARMANA_SHADOW_BUNDLES", value: bindings.join(",") }];
}

/** The pod's OpenTelemetry tracing settings (the standard variables), when spec.tracing asks for them. */
function tracingEnv(spec: GovernanceServer["spec"]): EnvVar[] {
  const tracing = spec.tracing;
  if (!tracing) return [];
  return [
    { name: "OTEL_TRACES_EXPORTER", value: "otlp" },
    { name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", value: `${tracing.endpoint.replace(/\/$/, "")}/v1/traces` },
    // POD_NAME and POD_NAMESPACE are defined before this variable, so Kubernetes expands them.
    {
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value: "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)",
    },
    ...(tracing.samplerRatio !== undefined
      ? [
          { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
          { name: "OTEL_TRACES_SAMPLER_ARG", value: String(tracing.samplerRatio) },
        ]
      : []),
  ];
}

/** PARMANA_SIGNING_MODE and its batch bounds, when spec.signing names them. */
function signingEnv(spec: GovernanceServer["spec"]): EnvVar[] {
  const signing = spec.signing;
  if (!signing) return [];
  const named: [string, string | number | undefined][] = [
    ["PARMANA_SIGNING_MODE", signing.mode],
    ["PARMANA_SIGNING_BATCH_MAX", signing.batchMax],
    ["PARMANA_SIGNING_BATCH_WAIT_MS", signing.batchWaitMs],
  ];
  return named.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value: String(value) }]));
}

export function defaultImage(): string {
  return `parmana/parmana:${packageVersion()}`;
}

export function renderDeployment(gs: GovernanceServer, input: DeploymentInput): Named<V1Deployment> {
  const spec = gs.spec;
  const dashboard = spec.dashboard?.enabled ?? true;
  const exported = exportEnv(gs);
  const redis = redisEnv(gs);
  const env: EnvVar[] = [
    { name: "NODE_ENV", value: "production" },
    { name: "HOST", value: "0.0.0.0" },
    { name: "PORT", value: String(PORTS.http) },
    { name: "DASHBOARD_PORT", value: String(PORTS.dashboard) },
    { name: "METRICS_PORT", value: String(PORTS.metrics) },
    { name: "PARMANA_POLICIES_ROOT", value: `${MOUNTS.bundles}/policies` },
    { name: "PARMANA_TRUSTED_KEYS_DIR", value: `${MOUNTS.bundles}/trust` },
    ...shadowEnv(input.set),
    { name: "PARMANA_API_KEYS_FILE", value: `${MOUNTS.apiKeys}/${API_KEYS_SECRET_KEY}` },
    { name: "PARMANA_SIGNING_PRIVATE_KEY_PATH", value: `${MOUNTS.signing}/${SIGNING_SECRET_KEY}` },
    ...redis.env,
    secretEnv("AUDIT_DATABASE_URL", spec.audit.databaseUrlSecretRef),
    { name: "PARMANA_AUDIT_REQUIRED", value: String(spec.audit.required ?? true) },
    ...auditRetentionEnv(spec, input.auditRetentionDefaults),
    {
      name: "PARMANA_RATE_LIMIT_NAMESPACE",
      value: `parmana:ratelimit:${gs.metadata.namespace}/${gs.metadata.name}:`,
    },
    ...(spec.rateLimits?.executePerMinute !== undefined
      ? [{ name: "PARMANA_RATE_LIMIT_EXECUTE", value: String(spec.rateLimits.executePerMinute) }]
      : []),
    // On SIGTERM, keep serving while the Service stops sending traffic here (src/http/drain.ts).
    { name: "PARMANA_SHUTDOWN_DRAIN_MS", value: String(SHUTDOWN.drainMs) },
    { name: "PARMANA_SHUTDOWN_GRACE_MS", value: String(SHUTDOWN.graceMs) },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ...exported.env,
    ...tracingEnv(spec),
    ...signingEnv(spec),
  ];
  const probe = (path: string, period: number): Record<string, unknown> => ({
    httpGet: { path, port: "http" },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    metadata: meta(gs, gs.metadata.name, "server"),
    spec: {
      replicas: spec.replicas ?? 2,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(gs) },
      // A security control keeps serving while it rolls: a new pod is Ready before an old one goes.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: podLabels(spec, labels(gs, "server")),
          annotations: {
            ...spec.podTemplate?.annotations,
            [ANNOTATION_BUNDLE_SET]: input.set.hash,
            [ANNOTATION_SECRETS]: input.secretsHash,
          },
        },
        spec: {
          serviceAccountName: gs.metadata.name,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: SHUTDOWN.terminationGraceSeconds,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...podScheduling(spec, selectorLabels(gs)),
          containers: [
            {
              name: "server",
              image: spec.image ?? input.defaultImage,
              imagePullPolicy: "IfNotPresent",
              args: ["server"],
              ports: [
                { name: "http", containerPort: PORTS.http, protocol: "TCP" },
                ...(dashboard
                  ? [{ name: "dashboard", containerPort: PORTS.dashboard, protocol: "TCP" }]
                  : []),
                { name: "metrics", containerPort: PORTS.metrics, protocol: "TCP" },
              ],
              env,
              // Every 2 s: a new pod takes traffic (and a rollout moves on) within ~2 s of being ready, and a pod whose
              // Redis is gone leaves the Service within ~6 s.
              readinessProbe: probe("/health/ready", 2),
              livenessProbe: probe("/health/live", 10),
              resources: containerResources(spec),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "bundles", mountPath: MOUNTS.bundles, readOnly: true },
                { name: "api-keys", mountPath: MOUNTS.apiKeys, readOnly: true },
                { name: "signing-key", mountPath: MOUNTS.signing, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
                ...exported.mounts,
                ...redis.mounts,
              ],
            },
          ],
          volumes: [
            {
              name: "bundles",
              configMap: {
                name: bundleSetConfigMapName(gs.metadata.name, input.set.hash),
                items: input.set.items,
              },
            },
            {
              name: "api-keys",
              secret: {
                secretName: spec.apiKeysSecretRef.name,
                items: [{ key: API_KEYS_SECRET_KEY, path: API_KEYS_SECRET_KEY }],
                defaultMode: 0o440,
              },
            },
            {
              name: "signing-key",
              secret: {
                secretName: spec.signingKeySecretRef.name,
                items: [{ key: SIGNING_SECRET_KEY, path: SIGNING_SECRET_KEY }],
                defaultMode: 0o440,
              },
            },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            ...exported.volumes,
            ...redis.volumes,
          ],
        },
      },
    },
  };
}
