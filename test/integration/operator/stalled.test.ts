// A stalled reconcile on the real control plane: a GovernanceServer whose Secret is missing is reconciled once,
// marked Degraded with a Warning Event, and then left alone — no retry loop — until the Secret appears, which
// queues it again and it becomes Ready.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { eventually } from "../../support/kube.ts";
import {
  applyObject,
  condition,
  governanceServer,
  governanceServerObject,
  reconcileCount,
  serverScenario,
} from "../../support/operator.ts";

test("stalled: a GovernanceServer missing a Secret is not retried until the Secret appears", async (t) => {
  const { ns, client, operator } = await serverScenario(t, "stalled");
  await client.delete(ResourceTypes.secret, ns, "gov-api-keys");
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually("Degraded=True (SecretMissing)", async () =>
    condition(await governanceServer(client, ns, "risk-gov"), "Degraded")?.reason === "SecretMissing"
      ? true
      : undefined,
  );
  const reconciles = (result: string): Promise<number> =>
    reconcileCount(operator, "governanceserver", result);

  // The events of the server's creation (the watches on the Secrets it names list them; its own status write)
  // settle first: each queues it once more, and it stalls again.
  let settled = -1;
  await eventually("the creation's events handled", async () => {
    const now = await reconciles("stalled");
    if (now === settled) return true;
    settled = now;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return undefined;
  });
  const stalledBefore = await reconciles("stalled");
  const errorsBefore = await reconciles("error");
  assert.ok(stalledBefore >= 1);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(await reconciles("stalled"), stalledBefore, "no reconcile while nothing changed");
  assert.equal(await reconciles("error"), errorsBefore, "and no error retries");

  await applyObject(client, ResourceTypes.secret, {
    metadata: { name: "gov-api-keys", namespace: ns },
    stringData: { "keys.yaml": "keys: []\n" },
  }); // the Secret appears: the Secret informer queues the server
  await eventually(
    "risk-gov Ready once its Secret exists",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
});
