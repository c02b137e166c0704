// GovernanceServer reconciliation against the real control plane (kube-controller-manager rolls Deployments,
// kwok makes Pods Ready, the garbage collector follows owner references): children with owner references,
// Ready with exactly the verified bundles, a roll per new verified revision, a tampered update that leaves the
// pods on the last good set, a Secret change that rolls, a missing Secret that degrades, deletion that
// collects everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildBundleDirectory } from "../../../src/bundle/index.ts";
import { ResourceTypes, type KubeClient, type KubeObject } from "../../../src/operator/index.ts";
import { ANNOTATION_BUNDLE_SET } from "../../../src/operator/render.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  bundleFileMap,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  policyBundleObject,
  serverSecrets,
  startOperator,
  testClient,
  twoBundles,
} from "../../support/operator.ts";

interface Deployment extends KubeObject {
  spec: { template: { metadata: { annotations: Record<string, string> } } };
  status?: { readyReplicas?: number };
}

async function deployment(client: KubeClient, ns: string, name: string): Promise<Deployment | undefined> {
  return client.get<Deployment>(ResourceTypes.deployment, ns, name);
}

async function ready(
  client: KubeClient,
  ns: string,
  name: string,
  setHash?: string,
): Promise<NonNullable<Awaited<ReturnType<typeof governanceServer>>>> {
  return eventually(
    `GovernanceServer ${name} Ready${setHash !== undefined ? ` on ${setHash}` : ""}`,
    async () => {
      const gs = await governanceServer(client, ns, name);
      const r = condition(gs, "Ready");
      if (r?.status !== "True" || gs?.status?.observedGeneration !== gs?.metadata.generation)
        return undefined;
      if (setHash !== undefined && gs?.status?.bundleSetHash !== setHash) return undefined;
      return gs;
    },
    90_000,
    500,
  );
}

test("operator: a GovernanceServer selecting two verified bundles runs Ready pods serving exactly them, rolls on a new revision, keeps the last good set on a tampered update, rolls on a Secret change, and is garbage-collected", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "gs");
  const client = testClient();
  await startOperator(t, ns);
  const key = newSigningKey();
  const bundles = await twoBundles(t, client, ns, key);
  await serverSecrets(client, ns);
  // A bundle that does not carry the selected label is not served.
  await applyObject(
    client,
    ResourceTypes.policyBundle,
    policyBundleObject(ns, "other-team", await bundleFileMap(bundles[0]?.dir ?? ""), {
      trustSecret: "signers",
      labels: { team: "other" },
    }),
  );
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));

  let set1: string | undefined;
  await t.test("Ready with exactly the verified, selected bundles; children owned", async () => {
    const gs = await ready(client, ns, "risk-gov");
    assert.deepEqual(
      gs.status?.activeBundles?.map((b) => `${b.name}:${b.policyVersion}`),
      ["loan-1-2-0:1.2.0", "loan-1-3-0:1.3.0"],
    );
    assert.equal(gs.status.readyReplicas, 2);
    assert.equal(gs.status.endpoint, `http://risk-gov.${ns}.svc:3000`);
    assert.equal(condition(gs, "BundlesVerified")?.status, "True");
    // Children, each owned by the GovernanceServer.
    const uid = gs.metadata.uid;
    for (const [type, name] of [
      [ResourceTypes.deployment, "risk-gov"],
      [ResourceTypes.service, "risk-gov"],
      [ResourceTypes.serviceAccount, "risk-gov"],
      [ResourceTypes.podDisruptionBudget, "risk-gov"],
    ] as const) {
      const child = await client.get(type, ns, name);
      assert.equal(child?.metadata.ownerReferences?.[0]?.uid, uid, `${type.kind} owned`);
    }
    const d1 = await deployment(client, ns, "risk-gov");
    set1 = d1?.spec.template.metadata.annotations[ANNOTATION_BUNDLE_SET];
    assert.equal(set1, gs.status.bundleSetHash);
  });

  const second = bundles[1];
  assert.ok(second);
  let rolled = "";
  await t.test("a new verified revision rolls the Deployment to a new set", async () => {
    await buildBundleDirectory(second.dir, key, { revision: 2 });
    await applyObject(
      client,
      ResourceTypes.policyBundle,
      policyBundleObject(ns, "loan-1-3-0", await bundleFileMap(second.dir), {
        trustSecret: "signers",
        labels: { team: "risk" },
      }),
    );
    rolled = await eventually("a new bundle set", async () => {
      const g = await governanceServer(client, ns, "risk-gov");
      return g?.status?.bundleSetHash !== undefined && g.status.bundleSetHash !== set1
        ? g.status.bundleSetHash
        : undefined;
    });
    const gs2 = await ready(client, ns, "risk-gov", rolled);
    assert.equal(gs2.status?.activeBundles?.find((b) => b.name === "loan-1-3-0")?.revision, 2);
    assert.equal(
      (await deployment(client, ns, "risk-gov"))?.spec.template.metadata.annotations[ANNOTATION_BUNDLE_SET],
      rolled,
    );
    await eventually("the old bundle-set ConfigMap to be pruned", async () => {
      const cms = await client.list(ResourceTypes.configMap, ns, {
        labelSelector: "app.kubernetes.io/component=bundle-set",
      });
      return cms.items.length === 1 ? true : undefined;
    });
  });

  await t.test(
    "a tampered update: BundlesVerified=False names it; the pods stay on the last good set",
    async () => {
      const files = await bundleFileMap(second.dir);
      const tampered = {
        ...files,
        "policy.json": files["policy.json"]?.replace("EXAMPLE ONLY", "TAMPERED") ?? "",
      };
      await applyObject(
        client,
        ResourceTypes.policyBundle,
        policyBundleObject(ns, "loan-1-3-0", tampered, { trustSecret: "signers", labels: { team: "risk" } }),
      );
      const held = await eventually("BundlesVerified=False", async () => {
        const g = await governanceServer(client, ns, "risk-gov");
        return condition(g, "BundlesVerified")?.status === "False" ? g : undefined;
      });
      assert.match(condition(held, "BundlesVerified")?.message ?? "", /loan-1-3-0.*last verified set/);
      assert.equal(held.status?.bundleSetHash, rolled);
      assert.equal(
        (await deployment(client, ns, "risk-gov"))?.spec.template.metadata.annotations[ANNOTATION_BUNDLE_SET],
        rolled,
      );
    },
  );

  await t.test("a changed API-key Secret rolls the pods", async () => {
    const before = (await deployment(client, ns, "risk-gov"))?.spec.template.metadata.annotations[
      "governance.parmana.io/secrets-hash"
    ];
    await serverSecrets(
      client,
      ns,
      "keys:\n  - id: new\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n    scopes: [execute]\n",
    );
    await eventually("the pods to roll for the new Secret", async () => {
      const d = await deployment(client, ns, "risk-gov");
      const after = d?.spec.template.metadata.annotations["governance.parmana.io/secrets-hash"];
      return after !== undefined && after !== before ? true : undefined;
    });
  });

  await t.test("deleting the GovernanceServer garbage-collects everything it made", async () => {
    await client.delete(ResourceTypes.governanceServer, ns, "risk-gov");
    await eventually(
      "the children to be garbage-collected",
      async () => {
        const left = [
          await client.get(ResourceTypes.deployment, ns, "risk-gov"),
          await client.get(ResourceTypes.service, ns, "risk-gov"),
          await client.get(ResourceTypes.serviceAccount, ns, "risk-gov"),
          await client.get(ResourceTypes.podDisruptionBudget, ns, "risk-gov"),
          ...(
            await client.list(ResourceTypes.configMap, ns, {
              labelSelector: "app.kubernetes.io/component=bundle-set",
            })
          ).items,
        ].filter((x) => x !== undefined);
        return left.length === 0 ? true : undefined;
      },
      60_000,
      500,
    );
  });
});

test("operator: a missing Secret or a selector matching nothing gives a clear condition, never a crash loop", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "gsdeg");
  const client = testClient();
  const operator = await startOperator(t, ns);
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "lonely", 1));
  const degraded = await eventually("Degraded=True naming the Secret", async () => {
    const g = await governanceServer(client, ns, "lonely");
    return condition(g, "Degraded")?.status === "True" ? g : undefined;
  });
  assert.equal(condition(degraded, "Degraded")?.reason, "SecretMissing");
  assert.match(
    condition(degraded, "Degraded")?.message ?? "",
    /Secret redis \(spec\.redis\.urlSecretRef\) does not exist/,
  );
  await serverSecrets(client, ns);
  const nothing = await eventually("NoVerifiedBundles once the Secrets exist", async () => {
    const g = await governanceServer(client, ns, "lonely");
    return condition(g, "Ready")?.reason === "NoVerifiedBundles" ? g : undefined;
  });
  assert.equal(condition(nothing, "BundlesVerified")?.reason, "NoBundlesSelected");
  assert.equal(
    await client.get(ResourceTypes.deployment, ns, "lonely"),
    undefined,
    "no Deployment without a verified bundle",
  );
  const metrics = await (await fetch(operator.metricsUrl ?? "")).text();
  assert.doesNotMatch(
    metrics,
    /controller_runtime_reconcile_errors_total\{controller="governanceserver"\} [1-9]/,
  );
});
