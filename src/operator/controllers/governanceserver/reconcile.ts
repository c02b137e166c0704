// GovernanceServer reconciler. Level-triggered: it reads what exists, works out the bundle set the pods should
// serve, applies the children with server-side apply, and reports.
//
// Only verified bundles reach a pod: a selected bundle counts when its Verified condition is True for its
// generation AND its content, read again now, verifies to the hash in its status. If any selected bundle
// fails that, the Deployment stays on the set it already serves (BundlesVerified=False names the bundle);
// a new server with no set yet starts with the verified ones.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { bundleInputs, verifyInputs, type ObjectLookup } from "../../bundle-source.ts";
import { conditionOf, setConditions, type ConditionInput } from "../../conditions.ts";
import type { EventRecorder } from "../../events.ts";
import { KubeApiError, ResourceTypes, type KubeClient, type KubeObject } from "../../kube.ts";
import { FIELD_MANAGER, StalledError, type ReconcileResult } from "../../runtime/index.ts";
import {
  ANNOTATION_BUNDLE_SET,
  ANNOTATION_BUNDLES,
  API_KEYS_SECRET_KEY,
  LABEL_COMPONENT,
  LABEL_GOVERNANCE_SERVER,
  PORTS,
  SIGNING_SECRET_KEY,
  bundleSetConfigMapName,
  renderBundleConfigMap,
  renderBundleSet,
  renderDeployment,
  renderPodDisruptionBudget,
  renderService,
  renderServiceAccount,
  renderServiceMonitor,
  type AuditRetentionDefaults,
  type BundleSet,
  type SelectedBundle,
} from "../../render.ts";
import { isSuspended, reconciledStatus, suspendedStatus } from "../../suspension.ts";
import { isVerified } from "../policybundle/index.ts";
import {
  API_VERSION,
  type ActiveBundle,
  type GovernanceServer,
  type GovernanceServerStatus,
  type LabelSelector,
  type PolicyBundle,
} from "../../schema.ts";

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

export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? value !== undefined && values.includes(value)
        : e.operator === "NotIn"
          ? value === undefined || !values.includes(value)
          : e.operator === "Exists"
            ? value !== undefined
            : value === undefined;
    if (!ok) return false;
  }
  return true;
}

/** The selected bundle ready to be served, or why it is not. */
function servable(bundle: PolicyBundle, lookup: ObjectLookup): SelectedBundle | string {
  const name = bundle.metadata.name;
  if (!isVerified(bundle)) {
    const verified = conditionOf(bundle.status?.conditions, "Verified");
    return `${name} is not verified (${verified?.reason ?? "not yet checked"})`;
  }
  const inputs = bundleInputs(bundle, lookup);
  if ("reason" in inputs) return `${name} lost its source or trust (${inputs.reason})`;
  const result = verifyInputs(bundle, inputs, undefined);
  if (!result.ok) return `${name} no longer verifies (${result.reason})`;
  if (result.bundle.bundleHash !== bundle.status?.bundleHash)
    return `${name} changed since it was verified (${result.bundle.bundleHash})`;
  return {
    name,
    policyId: result.bundle.policyId,
    policyVersion: result.bundle.policyVersion,
    bundleHash: result.bundle.bundleHash,
    revision: result.bundle.revision,
    files: inputs.files,
    trustKeys: inputs.trustKeys,
  };
}

interface SecretNeed {
  readonly name: string;
  readonly key?: string;
  readonly what: string;
}

function secretNeeds(gs: GovernanceServer): SecretNeed[] {
  const s = gs.spec;
  const needs: SecretNeed[] = [
    { ...s.redis.urlSecretRef, what: "spec.redis.urlSecretRef" },
    { ...s.audit.databaseUrlSecretRef, what: "spec.audit.databaseUrlSecretRef" },
    { name: s.signingKeySecretRef.name, key: SIGNING_SECRET_KEY, what: "spec.signingKeySecretRef" },
    { name: s.apiKeysSecretRef.name, key: API_KEYS_SECRET_KEY, what: "spec.apiKeysSecretRef" },
  ];
  if (s.redis.sentinelPasswordSecretRef)
    needs.push({ ...s.redis.sentinelPasswordSecretRef, what: "spec.redis.sentinelPasswordSecretRef" });
  if (s.redis.tls) needs.push({ ...s.redis.tls.caSecretRef, what: "spec.redis.tls.caSecretRef" });
  const kafka = s.export?.kafka;
  if (kafka?.tls?.caSecretRef)
    needs.push({ ...kafka.tls.caSecretRef, what: "spec.export.kafka.tls.caSecretRef" });
  if (kafka?.sasl)
    needs.push({
      name: kafka.sasl.secretRef.name,
      key: "password",
      what: "spec.export.kafka.sasl.secretRef",
    });
  return needs;
}

/**
 * Whether a change to the Secret `name` can change what this server runs: one of its own Secrets, or the trust
 * Secret of a bundle it selects (the pods mount the trusted keys).
 */
export function referencesSecret(
  gs: GovernanceServer,
  name: string,
  bundlesInNamespace: readonly PolicyBundle[],
): boolean {
  return (
    secretNeeds(gs).some((need) => need.name === name) ||
    bundlesInNamespace.some(
      (b) => b.spec.trust.secretRef.name === name && selects(gs.spec.bundleSelector, b.metadata.labels),
    )
  );
}

/** A missing Secret or key, named; or the hash of everything the pods read from Secrets (a change rolls them). */
function checkSecrets(gs: GovernanceServer, lookup: ObjectLookup): { missing: string } | { hash: string } {
  const hash = createHash("sha256");
  for (const need of secretNeeds(gs)) {
    const secret = lookup.secret(gs.metadata.namespace, need.name);
    if (!secret) return { missing: `Secret ${need.name} (${need.what}) does not exist` };
    if (need.key !== undefined && secret.data?.[need.key] === undefined)
      return { missing: `Secret ${need.name} (${need.what}) has no key ${need.key}` };
    hash
      .update(need.name)
      .update("\0")
      .update(JSON.stringify(Object.entries(secret.data ?? {}).sort()));
  }
  return { hash: `sha256:${hash.digest("hex")}` };
}

function currentSet(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
): { hash: string; active: ActiveBundle[] } | undefined {
  const deployment = ctx.deployments.get(gs.metadata.namespace, gs.metadata.name);
  const hash = deployment?.spec?.template?.metadata?.annotations?.[ANNOTATION_BUNDLE_SET];
  if (hash === undefined) return undefined;
  const cm = ctx.configMaps
    .list(gs.metadata.namespace)
    .find((c) => c.metadata.name === bundleSetConfigMapName(gs.metadata.name, hash));
  const active = cm?.metadata.annotations?.[ANNOTATION_BUNDLES];
  return active === undefined ? undefined : { hash, active: JSON.parse(active) as ActiveBundle[] };
}

function rolledOut(deployment: DeploymentObject | undefined, replicas: number, hash: string): boolean {
  if (!deployment?.status) return false;
  const st = {
    observedGeneration: 0,
    updatedReplicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    replicas: 0,
    ...deployment.status,
  };
  const counts = [st.updatedReplicas, st.readyReplicas, st.availableReplicas, st.replicas];
  return (
    deployment.spec?.template?.metadata?.annotations?.[ANNOTATION_BUNDLE_SET] === hash &&
    st.observedGeneration >= (deployment.metadata.generation ?? 0) &&
    counts.every((n) => n === replicas)
  );
}

async function writeStatus(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  status: GovernanceServerStatus,
): Promise<void> {
  status = isSuspended(gs) ? status : reconciledStatus(gs, status);
  if (JSON.stringify(gs.status ?? {}) === JSON.stringify(status)) return;
  await ctx.client.apply(
    ResourceTypes.governanceServer,
    { metadata: { name: gs.metadata.name, namespace: gs.metadata.namespace }, status },
    FIELD_MANAGER,
    "status",
  );
}

async function stalled(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  reason: string,
  message: string,
  extra: ConditionInput[] = [],
): Promise<never> {
  const ref = { ...gs, apiVersion: API_VERSION, kind: "GovernanceServer" as const };
  await ctx.events.record(ref, "Warning", reason, message);
  await writeStatus(ctx, gs, {
    ...gs.status,
    observedGeneration: gs.metadata.generation,
    conditions: setConditions(
      gs.status?.conditions,
      [
        { type: "Ready", status: "False", reason, message },
        { type: "Degraded", status: "True", reason, message },
        ...extra,
      ],
      gs.metadata.generation,
    ),
  });
  // Trying again changes nothing: the Secret informer, the bundles' and the server's own changes queue it.
  throw new StalledError(reason, message);
}

async function applyChildren(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  set: BundleSet,
  secretsHash: string,
): Promise<DeploymentObject> {
  const { client } = ctx;
  const cmName = bundleSetConfigMapName(gs.metadata.name, set.hash);
  if (!ctx.configMaps.list(gs.metadata.namespace).some((c) => c.metadata.name === cmName)) {
    try {
      await client.create(ResourceTypes.configMap, renderBundleConfigMap(gs, set));
    } catch (error) {
      // Already there (our cache was behind): content-addressed and immutable, so it is the same content.
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
  }
  await client.apply(ResourceTypes.serviceAccount, renderServiceAccount(gs), FIELD_MANAGER);
  await client.apply(ResourceTypes.service, renderService(gs), FIELD_MANAGER);
  const replicas = gs.spec.replicas ?? 2;
  if (replicas > 1)
    await client.apply(ResourceTypes.podDisruptionBudget, renderPodDisruptionBudget(gs), FIELD_MANAGER);
  else await client.delete(ResourceTypes.podDisruptionBudget, gs.metadata.namespace, gs.metadata.name);
  if (gs.spec.export?.prometheus?.serviceMonitor === true && (await ctx.serviceMonitors()))
    await client.apply(ResourceTypes.serviceMonitor, renderServiceMonitor(gs), FIELD_MANAGER);
  return client.apply<DeploymentObject>(
    ResourceTypes.deployment,
    renderDeployment(gs, {
      set,
      secretsHash,
      defaultImage: ctx.defaultImage,
      ...(ctx.auditRetentionDefaults && { auditRetentionDefaults: ctx.auditRetentionDefaults }),
    }),
    FIELD_MANAGER,
  );
}

/** Bundle-set ConfigMaps of this server other than the one in use, once the rollout is complete. */
async function pruneOldSets(ctx: GovernanceServerContext, gs: GovernanceServer, keep: string): Promise<void> {
  for (const cm of ctx.configMaps.list(gs.metadata.namespace)) {
    const labels = cm.metadata.labels ?? {};
    if (labels[LABEL_GOVERNANCE_SERVER] !== gs.metadata.name || labels[LABEL_COMPONENT] !== "bundle-set")
      continue;
    if (cm.metadata.name !== keep)
      await ctx.client.delete(ResourceTypes.configMap, gs.metadata.namespace, cm.metadata.name);
  }
}

interface BundleState {
  readonly good: SelectedBundle[];
  readonly condition: ConditionInput;
  readonly allGood: boolean;
}

function bundleState(ctx: GovernanceServerContext, gs: GovernanceServer, keeping: boolean): BundleState {
  const selected = ctx.bundles
    .list(gs.metadata.namespace)
    .filter((b) => selects(gs.spec.bundleSelector, b.metadata.labels));
  const good: SelectedBundle[] = [];
  const bad: string[] = [];
  for (const bundle of selected) {
    const s = servable(bundle, ctx.lookup);
    if (typeof s === "string") bad.push(s);
    else good.push(s);
  }
  const condition: ConditionInput =
    selected.length === 0
      ? {
          type: "BundlesVerified",
          status: "False",
          reason: "NoBundlesSelected",
          message: "bundleSelector matches no PolicyBundle in this namespace",
        }
      : bad.length > 0
        ? {
            type: "BundlesVerified",
            status: "False",
            reason: "BundleNotVerified",
            message: `${bad.join("; ")}${keeping ? "; the pods keep serving the last verified set" : ""}`,
          }
        : {
            type: "BundlesVerified",
            status: "True",
            reason: "AllVerified",
            message: `${String(good.length)} bundle(s) verified`,
          };
  return { good, condition, allGood: bad.length === 0 && good.length > 0 };
}

function rolloutConditions(
  deployment: DeploymentObject,
  replicas: number,
  set: BundleSet,
  done: boolean,
): ConditionInput[] {
  const st = deployment.status ?? {};
  return done
    ? [
        {
          type: "Ready",
          status: "True",
          reason: "RolledOut",
          message: `${String(replicas)} replica(s) serve bundle set ${set.hash}`,
        },
        {
          type: "Progressing",
          status: "False",
          reason: "RolledOut",
          message: "the Deployment has rolled out",
        },
      ]
    : [
        {
          type: "Ready",
          status: "False",
          reason: "RollingOut",
          message: `${String(st.updatedReplicas ?? 0)}/${String(replicas)} replicas updated, ${String(st.readyReplicas ?? 0)} ready`,
        },
        {
          type: "Progressing",
          status: "True",
          reason: "RollingOut",
          message: `rolling out bundle set ${set.hash}`,
        },
      ];
}

function statusOf(
  gs: GovernanceServer,
  deployment: DeploymentObject,
  set: BundleSet,
  conditions: ConditionInput[],
): GovernanceServerStatus {
  const st = { replicas: 0, readyReplicas: 0, updatedReplicas: 0, ...deployment.status };
  const degraded: ConditionInput = {
    type: "Degraded",
    status: "False",
    reason: "DependenciesPresent",
    message: "every Secret the server needs exists",
  };
  return {
    observedGeneration: gs.metadata.generation,
    conditions: setConditions(gs.status?.conditions, [...conditions, degraded], gs.metadata.generation),
    activeBundles: set.active,
    bundleSetHash: set.hash,
    replicas: st.replicas,
    readyReplicas: st.readyReplicas,
    updatedReplicas: st.updatedReplicas,
    endpoint: `http://${gs.metadata.name}.${gs.metadata.namespace}.svc:${String(PORTS.http)}`,
  };
}

export async function reconcileGovernanceServer(
  ctx: GovernanceServerContext,
  key: string,
): Promise<ReconcileResult | undefined> {
  const [namespace = "", name = ""] = key.split("/");
  const gs = ctx.servers.get(namespace, name);
  if (!gs || gs.metadata.deletionTimestamp !== undefined) {
    ctx.readiness?.(namespace, name, undefined);
    return undefined;
  }
  if (isSuspended(gs)) {
    await writeStatus(
      ctx,
      gs,
      suspendedStatus(gs, "the pods keep the bundle set and settings they run with until resumed"),
    );
    ctx.readiness?.(namespace, name, conditionOf(gs.status?.conditions, "Ready")?.status === "True");
    return undefined;
  }
  const result = await converge(ctx, gs);
  ctx.readiness?.(namespace, name, result === undefined);
  return result;
}

async function converge(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
): Promise<ReconcileResult | undefined> {
  const { name } = gs.metadata;
  const secrets = checkSecrets(gs, ctx.lookup);
  if ("missing" in secrets) return stalled(ctx, gs, "SecretMissing", secrets.missing);
  const current = currentSet(ctx, gs);
  const bundles = bundleState(ctx, gs, current !== undefined);
  // All selected bundles good: serve them. Otherwise stay on the current set, or start with the good ones.
  const keep = !bundles.allGood && current !== undefined;
  if (!keep && bundles.good.length === 0)
    return stalled(ctx, gs, "NoVerifiedBundles", bundles.condition.message, [bundles.condition]);
  const set: BundleSet = keep
    ? { hash: current.hash, active: current.active, data: {}, items: [] }
    : renderBundleSet(bundles.good);
  const deployment = keep
    ? await keepCurrent(ctx, gs, set, secrets.hash)
    : await applyChildren(ctx, gs, set, secrets.hash);

  const replicas = gs.spec.replicas ?? 2;
  const done = rolledOut(deployment, replicas, set.hash);
  if (done) await pruneOldSets(ctx, gs, bundleSetConfigMapName(name, set.hash));
  const conditions = [bundles.condition, ...rolloutConditions(deployment, replicas, set, done)];
  await writeStatus(ctx, gs, statusOf(gs, deployment, set, conditions));
  return done ? undefined : { requeueAfterMs: 5_000 };
}

/** Applies the children while keeping the Deployment on the bundle set it already serves. */
async function keepCurrent(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  set: BundleSet,
  secretsHash: string,
): Promise<DeploymentObject> {
  const deployment = ctx.deployments.get(gs.metadata.namespace, gs.metadata.name) as
    | (DeploymentObject & {
        spec: {
          template: {
            spec: { volumes?: { name: string; configMap?: { items?: { key: string; path: string }[] } }[] };
          };
        };
      })
    | undefined;
  const items =
    deployment?.spec.template.spec.volumes?.find((v) => v.name === "bundles")?.configMap?.items ?? [];
  return applyChildren(ctx, gs, { ...set, items }, secretsHash);
}
