// What happened, as the GovernanceServer's status: the rollout's conditions, the status object, a stall (a
// missing Secret, no verifiable bundle) with its Warning Event, and the one status write.
import { setConditions, type ConditionInput } from "../../conditions.ts";
import { ResourceTypes } from "../../kube/index.ts";
import { StalledError } from "../../runtime/index.ts";
import { ANNOTATION_BUNDLE_SET, PORTS, type BundleSet } from "../../render.ts";
import { isSuspended, reconciledStatus } from "../../suspension.ts";
import { API_VERSION, type GovernanceServer, type GovernanceServerStatus } from "../../schema.ts";
import type { DeploymentObject, GovernanceServerContext } from "./context.ts";

export function rolledOut(deployment: DeploymentObject | undefined, replicas: number, hash: string): boolean {
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

export async function writeStatus(
  ctx: GovernanceServerContext,
  gs: GovernanceServer,
  status: GovernanceServerStatus,
): Promise<void> {
  status = isSuspended(gs) ? status : reconciledStatus(gs, status);
  if (JSON.stringify(gs.status ?? {}) === JSON.stringify(status)) return;
  await ctx.client.applyStatus(ResourceTypes.governanceServer, {
    metadata: { name: gs.metadata.name, namespace: gs.metadata.namespace },
    status,
  });
}

export async function stalled(
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

export function rolloutConditions(
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

export function statusOf(
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
