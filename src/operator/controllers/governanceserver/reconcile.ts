// GovernanceServer reconciler. Level-triggered: it reads what exists, works out the bundle set the pods should
// serve, applies the children with server-side apply, and reports.
//
// Only verified bundles reach a pod: a selected bundle counts when its Verified condition is True for its
// generation AND its content, read again now, verifies to the hash in its status. If any selected bundle
// fails that, the Deployment stays on the set it already serves (BundlesVerified=False names the bundle);
// a new server with no set yet starts with the verified ones.
//
// The steps, in order: the Secrets it needs (inputs.ts), the set its pods run now and the bundles it may serve
// (inputs.ts), the children applied, the old sets pruned once rolled out, and the status (status.ts).
import { conditionOf } from "../../conditions.ts";
import { KubeApiError, ResourceTypes } from "../../kube/index.ts";
import type { ReconcileResult } from "../../runtime/index.ts";
import {
  LABEL_COMPONENT,
  LABEL_GOVERNANCE_SERVER,
  bundleSetConfigMapName,
  renderBundleConfigMap,
  renderBundleSet,
  renderDeployment,
  renderPodDisruptionBudget,
  renderService,
  renderServiceAccount,
  renderServiceMonitor,
  type BundleSet,
} from "../../render.ts";
import { isSuspended, suspendedStatus } from "../../suspension.ts";
import type { GovernanceServer } from "../../schema.ts";
import type { DeploymentObject, GovernanceServerContext } from "./context.ts";
import { bundleState, checkSecrets, currentSet } from "./inputs.ts";
import { rolledOut, rolloutConditions, stalled, statusOf, writeStatus } from "./status.ts";

export type { DeploymentObject, GovernanceServerContext } from "./context.ts";
export { referencesSecret, selects } from "./inputs.ts";

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
  await client.apply(ResourceTypes.serviceAccount, renderServiceAccount(gs));
  await client.apply(ResourceTypes.service, renderService(gs));
  const replicas = gs.spec.replicas ?? 2;
  if (replicas > 1) await client.apply(ResourceTypes.podDisruptionBudget, renderPodDisruptionBudget(gs));
  else await client.delete(ResourceTypes.podDisruptionBudget, gs.metadata.namespace, gs.metadata.name);
  if (gs.spec.export?.prometheus?.serviceMonitor === true && (await ctx.serviceMonitors()))
    await client.apply(ResourceTypes.serviceMonitor, renderServiceMonitor(gs));
  return client.apply<DeploymentObject>(
    ResourceTypes.deployment,
    renderDeployment(gs, {
      set,
      secretsHash,
      defaultImage: ctx.defaultImage,
      ...(ctx.auditRetentionDefaults && { auditRetentionDefaults: ctx.auditRetentionDefaults }),
    }),
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
