// The two custom resources, defined once: these TypeBox schemas give the TypeScript types (Static<>) and,
// through crdManifests(), the CRD YAML in crds/ (scripts/gen-crds.ts writes it; a unit test fails when the
// files and this code disagree), so the types and the CRDs cannot drift.
import { Type, type Static, type TSchema } from "typebox";
import type { KubeObject } from "./kube/index.ts";

export const GROUP = "governance.parmana.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Set to any new value (`parmana reconcile` writes the time) to ask for a reconcile; echoed as status.lastHandledReconcileAt. */
export const RECONCILE_REQUESTED_AT = `${GROUP}/reconcile-requested-at`;

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" });
const LocalRef = Type.Object({ name: Name });
const SecretKeyRef = Type.Object({ name: Name, key: Type.String({ minLength: 1, maxLength: 253 }) });
const Severity = Type.Union([
  Type.Literal("low"),
  Type.Literal("medium"),
  Type.Literal("high"),
  Type.Literal("critical"),
]);
/** A free-form object the API server keeps as given (resources, pod template overrides). */
const FreeForm = (description: string): TSchema =>
  Type.Unsafe<Record<string, unknown>>({
    type: "object",
    description,
    "x-kubernetes-preserve-unknown-fields": true,
  });

const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: "date-time" }),
});
export type Condition = Static<typeof Condition>;

const Conditions = Type.Array(Condition, {
  maxItems: 16,
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

// ---- PolicyBundle ---------------------------------------------------------------------------------------

export const PolicyBundleSpec = Type.Object(
  {
    policyId: Type.String({ minLength: 1, maxLength: 128, pattern: "^[a-z0-9][a-z0-9._-]*$" }),
    policyVersion: Type.String({
      minLength: 5,
      maxLength: 64,
      pattern: "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$",
    }),
    source: Type.Object(
      {
        inline: Type.Optional(
          Type.Object({
            files: Type.Record(Type.String(), Type.String({ maxLength: 1_048_576 }), { maxProperties: 64 }),
            manifest: Type.String({ minLength: 2, maxLength: 262_144 }),
            signature: Type.String({ minLength: 2, maxLength: 65_536 }),
          }),
        ),
        configMapRef: Type.Optional(LocalRef),
      },
      {
        "x-kubernetes-validations": [
          {
            rule: "has(self.inline) != has(self.configMapRef)",
            message: "source needs exactly one of inline or configMapRef",
          },
        ],
      },
    ),
    trust: Type.Object({
      secretRef: LocalRef,
      threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, default: 1 })),
    }),
    allowRollback: Type.Optional(Type.Boolean({ default: false })),
    shadowOf: Type.Optional(
      Type.String({
        minLength: 5,
        maxLength: 64,
        pattern: "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$",
        description:
          "serve this version in shadow of that policyVersion of the same policy: evaluated on every /execute naming it, never signing, never consuming an id, never changing the answer; agreements are counted (parmana_shadow_evaluations_total) and disagreements kept (GET /audit/shadow). A shadow is not served to callers who name it.",
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "stop reconciling: the bundle is not verified again until resumed; servers keep serving the content last verified (they check it themselves)",
      }),
    ),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: "self.policyId == oldSelf.policyId",
        message: "policyId is immutable; create a new PolicyBundle",
      },
      {
        rule: "!has(self.shadowOf) || self.shadowOf != self.policyVersion",
        message: "a version cannot shadow itself",
      },
    ],
  },
);
export type PolicyBundleSpec = Static<typeof PolicyBundleSpec>;

export const PolicyBundleStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  bundleHash: Type.Optional(Type.String()),
  manifestHash: Type.Optional(Type.String()),
  revision: Type.Optional(Type.Integer({ minimum: 0 })),
  signerKeyIds: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })),
  verifiedAt: Type.Optional(Type.String({ format: "date-time" })),
  lastHandledReconcileAt: Type.Optional(
    Type.String({ description: `the last ${RECONCILE_REQUESTED_AT} value the operator handled` }),
  ),
  lastChange: Type.Optional(
    Type.Object(
      {
        fromRevision: Type.Optional(Type.Integer()),
        fromBundleHash: Type.Optional(Type.String()),
        toRevision: Type.Integer(),
        toBundleHash: Type.String(),
        compared: Type.Boolean({
          description: "false when the previous content was not known or too complex",
        }),
        changes: Type.Optional(Type.Integer({ description: "regions of inputs whose outcome changed" })),
        unreachableRules: Type.Optional(Type.Integer()),
        signalsChanged: Type.Optional(Type.Boolean()),
        summary: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10 }),
        truncated: Type.Optional(Type.Integer({ description: "summary lines left out" })),
      },
      {
        description:
          "the exact semantic diff of the last verified content against the one before it (parmana policy diff for all of it)",
      },
    ),
  ),
});
export type PolicyBundleStatus = Static<typeof PolicyBundleStatus>;

// ---- GovernanceServer -----------------------------------------------------------------------------------

const LabelSelector = Type.Object({
  matchLabels: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 32 })),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String({ minLength: 1 }),
        operator: Type.Union([
          Type.Literal("In"),
          Type.Literal("NotIn"),
          Type.Literal("Exists"),
          Type.Literal("DoesNotExist"),
        ]),
        values: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
      }),
      { maxItems: 16 },
    ),
  ),
});
export type LabelSelector = Static<typeof LabelSelector>;

const DecisionMode = Type.String({
  pattern: "^(all|deny-only|sampled:(0(\\.[0-9]+)?|1(\\.0+)?))$",
  description:
    "which decision records go: all, deny-only (every non-approval and override), or sampled:<ratio> (those, plus that share of approvals)",
});

const KafkaExport = Type.Object({
  brokers: Type.Array(Type.String({ pattern: "^[A-Za-z0-9.-]+:[0-9]{1,5}$" }), { minItems: 1, maxItems: 32 }),
  topic: Type.Optional(
    Type.String({ pattern: "^[A-Za-z0-9._-]{1,249}$", default: "parmana.security-events" }),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal("ocsf"), Type.Literal("ecs"), Type.Literal("cef"), Type.Literal("raw")], {
      default: "ocsf",
    }),
  ),
  minSeverity: Type.Optional(Severity),
  tls: Type.Optional(
    Type.Object({
      enabled: Type.Boolean(),
      caSecretRef: Type.Optional(SecretKeyRef),
    }),
  ),
  sasl: Type.Optional(
    Type.Object({
      mechanism: Type.Union([
        Type.Literal("plain"),
        Type.Literal("scram-sha-256"),
        Type.Literal("scram-sha-512"),
      ]),
      /** keys `username` and `password` */
      secretRef: LocalRef,
    }),
  ),
  decisions: Type.Optional(
    Type.Object(
      {
        topic: Type.String({ pattern: "^[A-Za-z0-9._-]{1,249}$" }),
        mode: Type.Optional(DecisionMode),
        format: Type.Optional(
          Type.Union([Type.Literal("ocsf"), Type.Literal("ecs"), Type.Literal("raw")], { default: "ocsf" }),
        ),
      },
      { description: "the decision log: every decision and override as a record, keyed by executionId" },
    ),
  ),
});

export const GovernanceServerSpec = Type.Object({
  replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 2 })),
  image: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  bundleSelector: LabelSelector,
  redis: Type.Object({
    /** REDIS_URL: redis://, rediss://, redis+sentinel://…/MASTER, redis+cluster://… (and the rediss+ forms). */
    urlSecretRef: SecretKeyRef,
    /** The sentinels' own password, when they have one (REDIS_SENTINEL_PASSWORD). */
    sentinelPasswordSecretRef: Type.Optional(SecretKeyRef),
    /** The CA of the servers' (and sentinels') TLS certificates, for rediss: URLs. */
    tls: Type.Optional(Type.Object({ caSecretRef: SecretKeyRef })),
    /** Replicas a reservation and a confirmation must reach (the server's default: 0 for one Redis, else 1). */
    minReplicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
    /** How long to wait for them before failing closed (the server's default: 100). */
    waitMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  }),
  audit: Type.Object(
    {
      databaseUrlSecretRef: SecretKeyRef,
      required: Type.Optional(Type.Boolean({ default: true })),
      /** Days each table keeps; whole partitions are dropped after. 0 keeps a table for good. */
      retention: Type.Optional(
        Type.Object({
          apiAccessDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500, default: 30 })),
          decisionsDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500, default: 0 })),
          verificationsDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500, default: 0 })),
        }),
      ),
      /** How long Redis remembers a consumed executionId before the audit database alone refuses replays. */
      replayRetentionSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })),
    },
    {
      "x-kubernetes-validations": [
        {
          rule: "!has(self.replayRetentionSeconds) || self.replayRetentionSeconds == 0 || !has(self.required) || self.required",
          message:
            "replayRetentionSeconds needs required: true (without the audit database nothing refuses a replay after the window)",
        },
      ],
    },
  ),
  signingKeySecretRef: LocalRef,
  apiKeysSecretRef: LocalRef,
  suspend: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        "stop reconciling: the pods keep the bundle set and settings they run with (no roll) until resumed",
    }),
  ),
  rateLimits: Type.Optional(
    Type.Object({ executePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }),
  ),
  export: Type.Optional(
    Type.Object({
      kafka: Type.Optional(KafkaExport),
      otlp: Type.Optional(
        Type.Object({
          endpoint: Type.String({ pattern: "^https?://" }),
          minSeverity: Type.Optional(Severity),
          decisions: Type.Optional(
            Type.Object(
              { mode: DecisionMode },
              { description: "decision records as log records too (off unless set)" },
            ),
          ),
        }),
      ),
      decisionSignals: Type.Optional(
        Type.Array(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" }), {
          maxItems: 64,
          description:
            "the signals whose values decision records carry in clear; the others are named and represented by the signals hash (default: none)",
        }),
      ),
      prometheus: Type.Optional(Type.Object({ serviceMonitor: Type.Optional(Type.Boolean()) })),
    }),
  ),
  tracing: Type.Optional(
    Type.Object(
      {
        endpoint: Type.String({
          pattern: "^https?://",
          description: "the OTLP/HTTP base URL, e.g. http://otel-collector:4318",
        }),
        samplerRatio: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 1,
            description: "share of new traces sampled (a caller's sampled traceparent is followed)",
          }),
        ),
      },
      { description: "distributed traces (OpenTelemetry, OTLP/HTTP); off unless set" },
    ),
  ),
  signing: Type.Optional(
    Type.Object(
      {
        mode: Type.Optional(
          Type.Union([Type.Literal("per-decision"), Type.Literal("batched")], {
            description:
              "per-decision: a signature per attestation; batched: one signature over the Merkle root of the decisions signed together",
          }),
        ),
        batchMax: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 65_536,
            description: "batched: most attestations per signature (256)",
          }),
        ),
        batchWaitMs: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 100,
            description: "batched: how long the first of a batch waits for more (0: the event-loop turn)",
          }),
        ),
      },
      { description: "how attestations are signed (PARMANA_SIGNING_MODE); per-decision unless set" },
    ),
  ),
  dashboard: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean({ default: true })) })),
  resources: Type.Optional(
    FreeForm("container resources (requests and limits); podTemplate.resources is the newer place and wins"),
  ),
  podTemplate: Type.Optional(
    Type.Object({
      labels: Type.Optional(
        Type.Record(Type.String(), Type.String(), {
          maxProperties: 64,
          description: "pod labels (the operator's own app.kubernetes.io labels win)",
        }),
      ),
      annotations: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 64 })),
      nodeSelector: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 32 })),
      tolerations: Type.Optional(
        Type.Array(FreeForm("a toleration"), { maxItems: 32, "x-kubernetes-list-type": "atomic" }),
      ),
      affinity: Type.Optional(FreeForm("pod affinity, as in a PodSpec")),
      topologySpreadConstraints: Type.Optional(
        Type.Array(FreeForm("a topology spread constraint, as in a PodSpec"), {
          maxItems: 16,
          "x-kubernetes-list-type": "atomic",
          description:
            "replaces the default spread (across nodes, required; across zones, preferred) for replicas > 1; [] turns it off",
        }),
      ),
      priorityClassName: Type.Optional(
        Type.String({ minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" }),
      ),
      resources: Type.Optional(
        FreeForm(
          "the server container's resources (default requests cpu 100m, memory 128Mi; limits memory 512Mi)",
        ),
      ),
    }),
  ),
});
export type GovernanceServerSpec = Static<typeof GovernanceServerSpec>;

const ActiveBundle = Type.Object({
  policyId: Type.String(),
  policyVersion: Type.String(),
  bundleHash: Type.String(),
  revision: Type.Integer(),
  name: Type.String(),
  /** Served in shadow of this version (spec.shadowOf of its PolicyBundle). */
  shadowOf: Type.Optional(Type.String()),
});
export type ActiveBundle = Static<typeof ActiveBundle>;

export const GovernanceServerStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  activeBundles: Type.Optional(Type.Array(ActiveBundle, { maxItems: 256 })),
  bundleSetHash: Type.Optional(Type.String()),
  replicas: Type.Optional(Type.Integer()),
  readyReplicas: Type.Optional(Type.Integer()),
  updatedReplicas: Type.Optional(Type.Integer()),
  endpoint: Type.Optional(Type.String()),
  lastHandledReconcileAt: Type.Optional(
    Type.String({ description: `the last ${RECONCILE_REQUESTED_AT} value the operator handled` }),
  ),
});
export type GovernanceServerStatus = Static<typeof GovernanceServerStatus>;

// ---- the objects ----------------------------------------------------------------------------------------

/** What the API server always sets on a namespaced custom resource. */
export type ObjectMeta = KubeObject["metadata"] & {
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
};

export interface PolicyBundle {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: "PolicyBundle";
  readonly metadata: ObjectMeta;
  readonly spec: PolicyBundleSpec;
  readonly status?: PolicyBundleStatus;
}

export interface GovernanceServer {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: "GovernanceServer";
  readonly metadata: ObjectMeta;
  readonly spec: GovernanceServerSpec;
  readonly status?: GovernanceServerStatus;
}

// ---- CRD generation -------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Rewrites JSON Schema as TypeBox emits it into the structural schema the API server accepts. */
export function structural(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(structural);
  if (schema === null || typeof schema !== "object") return schema as Json;
  const s = { ...(schema as Record<string, unknown>) };
  const anyOf = s["anyOf"] as Record<string, unknown>[] | undefined;
  if (anyOf?.every((o) => "const" in o) === true) {
    delete s["anyOf"];
    s["type"] = anyOf[0]?.["type"] ?? "string";
    s["enum"] = anyOf.map((o) => o["const"]);
  }
  if ("const" in s) {
    s["enum"] = [s["const"]];
    delete s["const"];
  }
  const pattern = s["patternProperties"] as Record<string, unknown> | undefined;
  if (pattern) {
    delete s["patternProperties"];
    s["additionalProperties"] = Object.values(pattern)[0] ?? { type: "string" };
  }
  delete s["$id"];
  delete s["$schema"];
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, structural(v)]));
}

function crd(
  kind: string,
  plural: string,
  shortNames: string[],
  spec: TSchema,
  status: TSchema,
  columns: Json[],
): Json {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.${GROUP}`,
      labels: { "app.kubernetes.io/name": "parmana-operator", "app.kubernetes.io/part-of": "parmana" },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: structural(spec),
                status: structural(status),
              },
            },
          },
        },
      ],
    },
  };
}

const condition = (type: string): string => `.status.conditions[?(@.type=="${type}")].status`;

export function crdManifests(): { policyBundles: Json; governanceServers: Json } {
  return {
    policyBundles: crd("PolicyBundle", "policybundles", ["pb"], PolicyBundleSpec, PolicyBundleStatus, [
      { name: "Policy", type: "string", jsonPath: ".spec.policyId" },
      { name: "Version", type: "string", jsonPath: ".spec.policyVersion" },
      { name: "Verified", type: "string", jsonPath: condition("Verified") },
      { name: "Revision", type: "integer", jsonPath: ".status.revision" },
      { name: "Suspended", type: "boolean", jsonPath: ".spec.suspend" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]),
    governanceServers: crd(
      "GovernanceServer",
      "governanceservers",
      ["gs"],
      GovernanceServerSpec,
      GovernanceServerStatus,
      [
        { name: "Ready", type: "string", jsonPath: condition("Ready") },
        { name: "Replicas", type: "integer", jsonPath: ".status.readyReplicas" },
        { name: "Bundles", type: "string", jsonPath: condition("BundlesVerified") },
        { name: "Suspended", type: "boolean", jsonPath: ".spec.suspend" },
        { name: "Set", type: "string", jsonPath: ".status.bundleSetHash", priority: 1 },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    ),
  };
}
