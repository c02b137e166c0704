// A stalled reconcile on the real control plane: a GovernanceServer whose Secret is missing is reconciled once,
// marked Degraded with a Warning Event, and then left alone — no retry loop — until the Secret appears, which
// queues it again and it becomes Ready.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  serverSecrets,
  startOperator,
  testClient,
  twoBundles,
} from "../../support/operator.ts";

test("stalled: a GovernanceServer missing a Secret is not retried until the Secret appears", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "stalled");
  const client = testClient();
  const operator = await startOperator(t, ns);
  await twoBundles(t, client, ns, newSigningKey());
  await serverSecrets(client, ns);
  await client.delete(ResourceTypes.secret, ns, "gov-api-keys");
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually("Degraded=True (SecretMissing)", async () =>
    condition(await governanceServer(client, ns, "risk-gov"), "Degraded")?.reason === "SecretMissing"
      ? true
      : undefined,
  );
  const reconciles = async (result: string): Promise<number> => {
    const metric = await operator.metrics.reconciles.get();
    return metric.values
      .filter((v) => v.labels["controller"] === "governanceserver" && v.labels["result"] === result)
      .reduce((sum, v) => sum + v.value, 0);
  };
  const stalledBefore = await reconciles("stalled");
  const errorsBefore = await reconciles("error");
  assert.ok(stalledBefore >= 1);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(await reconciles("stalled"), stalledBefore, "no reconcile while nothing changed");
  assert.equal(await reconciles("error"), errorsBefore, "and no error retries");

  await serverSecrets(client, ns); // the Secret appears: the Secret informer queues the server
  await eventually(
    "risk-gov Ready once its Secret exists",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
});
