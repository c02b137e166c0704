// The GovernanceServer controller: what it watches and what it does. A server is reconciled when it changes,
// when a bundle it selects changes, when a Secret it reads changes (its own, or its bundles' trust), and when
// the Deployment it owns changes; reconcile.ts converges its children.
import type { SecretObject } from "../../bundle-source.ts";
import { ResourceTypes, type KubeObject } from "../../kube/index.ts";
import { LABEL_MANAGED_BY, MANAGER } from "../../render.ts";
import { keyOf, type Controller } from "../../runtime/index.ts";
import type { GovernanceServer, PolicyBundle } from "../../schema.ts";
import {
  reconcileGovernanceServer,
  referencesSecret,
  selects,
  type DeploymentObject,
  type GovernanceServerContext,
} from "./reconcile.ts";
import { secretNeeds } from "./inputs.ts";

export * from "./reconcile.ts";

export function governanceServerController(
  ctx: GovernanceServerContext & {
    readonly servers: { list(namespace?: string): (GovernanceServer & KubeObject)[] };
    readonly bundles: { list(namespace?: string): (PolicyBundle & KubeObject)[] };
  },
): Controller {
  const serversIn = (o: KubeObject): (GovernanceServer & KubeObject)[] =>
    ctx.servers.list(o.metadata.namespace);
  return {
    name: "governanceserver",
    kind: "GovernanceServer",
    watches: [
      { type: ResourceTypes.governanceServer, toKeys: (s: GovernanceServer & KubeObject) => [keyOf(s)] },
      {
        type: ResourceTypes.policyBundle,
        toKeys: (b: PolicyBundle & KubeObject) =>
          serversIn(b)
            .filter((s) => selects(s.spec.bundleSelector, b.metadata.labels))
            .map(keyOf),
      },
      {
        type: ResourceTypes.secret,
        // Only the Secrets the servers read are watched (their bundles' trust Secrets are the PolicyBundle
        // controller's references), and each queues only the servers that read it.
        references: () =>
          ctx.servers
            .list()
            .flatMap((s) =>
              secretNeeds(s).map((need) => ({ namespace: s.metadata.namespace, name: need.name })),
            ),
        toKeys: (secret: SecretObject) => {
          const bundles = ctx.bundles.list(secret.metadata.namespace);
          return serversIn(secret)
            .filter((s) => referencesSecret(s, secret.metadata.name, bundles))
            .map(keyOf);
        },
      },
      {
        type: ResourceTypes.deployment,
        labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
        toKeys: (d: DeploymentObject) => {
          const owner = d.metadata.ownerReferences?.find(
            (r) => r.kind === "GovernanceServer" && r.controller === true,
          );
          return owner ? [`${d.metadata.namespace ?? ""}/${owner.name}`] : [];
        },
      },
    ],
    reconcile: (key) => reconcileGovernanceServer(ctx, key),
  };
}
