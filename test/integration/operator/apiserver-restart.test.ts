// The API server restarted under a running operator (a second kube-apiserver over the shared etcd, so no
// other test loses its cluster): SIGKILL it just after a new bundle is applied, start it again, and the
// operator, without a restart of its own, resumes its watches, verifies the bundle, rolls the server to the
// new set, and leaves exactly one child of each kind. A change made after the restart is reconciled too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KubeClient, ResourceTypes, type KubeObject } from "../../../src/operator/index.ts";
import { ANNOTATION_BUNDLE_SET } from "../../../src/operator/render.ts";
import { privateApiServer } from "../../support/apiserver.ts";
import { examplePolicy, makeBundle, newSigningKey } from "../../support/bundles.ts";
import { eventually, tool } from "../../support/kube.ts";
import {
  applyObject,
  bundleFileMap,
  governanceServer,
  governanceServerObject,
  installCrds,
  policyBundleObject,
  serverSecrets,
  startOperator,
  twoBundles,
  verifiedState,
} from "../../support/operator.ts";

test("fault: the API server killed and restarted mid-reconcile: the operator converges with no duplicate children", async (t) => {
  const api = await privateApiServer(t);
  await installCrds(api.service);
  const ns = `restart-${String(Date.now() % 100_000)}`;
  await tool("kubectl", ["create", "namespace", ns], api.service);
  const client = KubeClient.load(api.service.kubeconfig, { fieldManager: "parmana-test" });
  await startOperator(t, ns, { client });
  const key = newSigningKey();
  await twoBundles(t, client, ns, key);
  await serverSecrets(client, ns);
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov", 2));
  const activeVersions = async (): Promise<string[]> =>
    ((await governanceServer(client, ns, "risk-gov"))?.status?.activeBundles ?? [])
      .map((b) => b.policyVersion)
      .sort();
  await eventually("the server on two bundles", async () =>
    (await activeVersions()).length === 2 ? true : undefined,
  );

  // A third version, and the API server dies at once: the operator is mid-reconcile.
  const policy = await examplePolicy();
  const third = await makeBundle(t, { key, policy: { ...policy, policyVersion: "1.4.0" } });
  await applyObject(
    client,
    ResourceTypes.policyBundle,
    policyBundleObject(ns, "loan-1-4-0", await bundleFileMap(third.dir), {
      trustSecret: "signers",
      labels: { team: "risk" },
    }),
  );
  await api.kill();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await api.start();

  await verifiedState(client, ns, "loan-1-4-0", "True", 90_000);
  await eventually(
    "the server rolled to three bundles after the restart",
    async () => ((await activeVersions()).join() === "1.2.0,1.3.0,1.4.0" ? true : undefined),
    90_000,
  );

  // Watches resumed: a deletion after the restart is reconciled as well.
  await client.delete(ResourceTypes.policyBundle, ns, "loan-1-2-0");
  await eventually(
    "the server on the two remaining bundles",
    async () => ((await activeVersions()).join() === "1.3.0,1.4.0" ? true : undefined),
    60_000,
  );
  const gs = await governanceServer(client, ns, "risk-gov");
  const deployments = await client.list<
    KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } }
  >(ResourceTypes.deployment, ns);
  const sets = await client.list(ResourceTypes.configMap, ns, {
    labelSelector: "app.kubernetes.io/component=bundle-set",
  });
  const services = await client.list(ResourceTypes.service, ns);
  assert.equal(deployments.items.length, 1, "one Deployment");
  assert.equal(services.items.length, 1, "one Service");
  const template = (
    deployments.items[0] as { spec: { template: { metadata: { annotations: Record<string, string> } } } }
  ).spec.template.metadata.annotations;
  assert.equal(template[ANNOTATION_BUNDLE_SET], gs?.status?.bundleSetHash, "the pods are on the current set");
  // One ConfigMap per set the server went through (2, 3, then 2 bundles), none twice, each owned by the
  // GovernanceServer. Old sets are pruned once a rollout completes, which needs the controller-manager
  // that this second API server does not have (the leader and governanceserver tests cover pruning).
  assert.equal(sets.items.length, 3, "one bundle-set ConfigMap per set, none duplicated");
  for (const cm of sets.items)
    assert.equal(cm.metadata.ownerReferences?.[0]?.name, "risk-gov", `${cm.metadata.name} is owned`);
});
