// The PolicyBundle controller: what it watches and what it does. A bundle is reconciled when it changes, when
// the ConfigMap it is sourced from changes, and when its trust Secret changes; reconcile.ts verifies it.
import type { ConfigMapObject, SecretObject } from "../../bundle-source.ts";
import { ResourceTypes, type KubeObject } from "../../kube.ts";
import { keyOf, type Controller } from "../../runtime/index.ts";
import type { PolicyBundle } from "../../schema.ts";
import { reconcilePolicyBundle, type PolicyBundleContext } from "./reconcile.ts";

export { isVerified, reconcilePolicyBundle, type PolicyBundleContext } from "./reconcile.ts";

export function policyBundleController(
  ctx: PolicyBundleContext & {
    readonly bundles: { list(namespace?: string): (PolicyBundle & KubeObject)[] };
  },
): Controller {
  const bundlesIn = (o: KubeObject): (PolicyBundle & KubeObject)[] => ctx.bundles.list(o.metadata.namespace);
  return {
    name: "policybundle",
    kind: "PolicyBundle",
    watches: [
      { type: ResourceTypes.policyBundle, toKeys: (b: PolicyBundle & KubeObject) => [keyOf(b)] },
      {
        type: ResourceTypes.configMap,
        toKeys: (cm: ConfigMapObject) =>
          bundlesIn(cm)
            .filter((b) => b.spec.source.configMapRef?.name === cm.metadata.name)
            .map(keyOf),
      },
      {
        type: ResourceTypes.secret,
        toKeys: (s: SecretObject) =>
          bundlesIn(s)
            .filter((b) => b.spec.trust.secretRef.name === s.metadata.name)
            .map(keyOf),
      },
    ],
    reconcile: (key) => reconcilePolicyBundle(ctx, key),
  };
}
