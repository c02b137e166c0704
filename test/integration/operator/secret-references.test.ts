// Secrets are watched only when something names them, and queue only what reads them: the operator watches
// exactly the Secrets its objects reference (parmana_operator_referenced_objects), a change to a Secret no
// GovernanceServer or PolicyBundle references leaves every reconcile counter where it was, and a change to one a
// server reads queues that server.
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
import type { Operator } from "../../../src/operator/index.ts";

async function referenced(operator: Operator, resource: string): Promise<number> {
  const metric = await operator.metrics.referencedObjects.get();
  return metric.values.find((v) => v.labels.resource === resource)?.value ?? 0;
}

test("secret-references: an unreferenced Secret's change queues nothing; a referenced one queues its server", async (t) => {
  const { ns, client, operator } = await serverScenario(t, "secrets");
  for (let i = 0; i < 5; i++)
    await applyObject(client, ResourceTypes.secret, {
      metadata: { name: `unrelated-${String(i)}`, namespace: ns },
      stringData: { token: "x" },
    });
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually(
    "risk-gov Ready",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
  // redis, audit-db, attestation-signer, gov-api-keys (the server's) and signers (the bundles' trust).
  assert.equal(await referenced(operator, "secrets"), 5, "only the five referenced Secrets are watched");
  assert.equal(await referenced(operator, "configmaps"), 0, "the bundles are inline: no source ConfigMap");
  const total = (controller: string): Promise<number> => reconcileCount(operator, controller);
  // Settle: the roll-out's own requeues (every 5 s) have run their course once the counters hold still for 6 s.
  const settled = await eventually(
    "the reconcile counters to hold still",
    async () => {
      const before = [await total("governanceserver"), await total("policybundle")];
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const after = [await total("governanceserver"), await total("policybundle")];
      return before.join() === after.join() ? after : undefined;
    },
    60_000,
    0,
  );

  for (let i = 0; i < 3; i++)
    await applyObject(client, ResourceTypes.secret, {
      metadata: { name: "someone-elses", namespace: ns },
      stringData: { token: `value-${String(i)}` },
    });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.deepEqual(
    [await total("governanceserver"), await total("policybundle")],
    settled,
    "an unrelated Secret queued no reconcile",
  );

  assert.equal(await referenced(operator, "secrets"), 5, "the unrelated Secret is still not watched");

  await applyObject(client, ResourceTypes.secret, {
    metadata: { name: "gov-api-keys", namespace: ns },
    stringData: { "keys.yaml": "keys: []\n# rotated\n" },
  });
  await eventually("the server reconciled after its own Secret changed", async () =>
    (await total("governanceserver")) > (settled[0] ?? 0) ? true : undefined,
  );
});

test("secret-references: a Secret no longer named stops being watched", async (t) => {
  const { ns, client, operator } = await serverScenario(t, "unwatch");
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually("the server's four Secrets and the bundles' trust watched", async () =>
    (await referenced(operator, "secrets")) === 5 ? true : undefined,
  );
  await client.delete(ResourceTypes.governanceServer, ns, "risk-gov");
  await eventually("only the bundles' trust Secret watched once the server is gone", async () =>
    (await referenced(operator, "secrets")) === 1 ? true : undefined,
  );
});
