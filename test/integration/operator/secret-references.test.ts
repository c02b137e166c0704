// Secrets queue only what reads them: a change to a Secret no GovernanceServer or PolicyBundle references leaves
// every reconcile counter where it was; a change to one a server reads queues that server.
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

test("secret-references: an unreferenced Secret's change queues nothing; a referenced one queues its server", async (t) => {
  const { ns, client, operator } = await serverScenario(t, "secrets");
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually(
    "risk-gov Ready",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
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

  await applyObject(client, ResourceTypes.secret, {
    metadata: { name: "gov-api-keys", namespace: ns },
    stringData: { "keys.yaml": "keys: []\n# rotated\n" },
  });
  await eventually("the server reconciled after its own Secret changed", async () =>
    (await total("governanceserver")) > (settled[0] ?? 0) ? true : undefined,
  );
});
