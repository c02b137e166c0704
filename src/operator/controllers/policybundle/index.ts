// The PolicyBundle controller: what it watches and what it does. A bundle is reconciled when it changes, when
// the ConfigMap it is sourced from changes, and when its trust Secret changes (only those ConfigMaps and Secrets
// are watched at all); reconcile.ts verifies it.
import type { ConfigMapObject, SecretObject } from "../../bundle-source.ts";
import { ResourceTypes, type KubeObject } from "../../kube/index.ts";
import { keyOf, type Controller } from "../../runtime/index.ts";
import type { PolicyBundle } from "../../schema.ts";
import { reconcilePolicyBundle, type PolicyBundleContext } from "./reconcile.ts";

export { reconcilePolicyBundle, type PolicyBundleContext } from "./reconcile.ts";
export { isVerified, statusFor, type BundleOutcome } from "./status.ts";

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
        references: () =>
          ctx.bundles.list().flatMap((b) => {
            const name = b.spec.source.configMapRef?.name;
            return name === undefined ? [] : [{ namespace: b.metadata.namespace, name }];
          }),
        toKeys: (cm: ConfigMapObject) =>
          bundlesIn(cm)
            .filter((b) => b.spec.source.configMapRef?.name === cm.metadata.name)
            .map(keyOf),
      },
      {
        type: ResourceTypes.secret,
        references: () =>
          ctx.bundles
            .list()
            .map((b) => ({ namespace: b.metadata.namespace, name: b.spec.trust.secretRef.name })),
        toKeys: (s: SecretObject) =>
          bundlesIn(s)
            .filter((b) => b.spec.trust.secretRef.name === s.metadata.name)
            .map(keyOf),
      },
    ],
    reconcile: (key) => reconcilePolicyBundle(ctx, key),
  };
}
