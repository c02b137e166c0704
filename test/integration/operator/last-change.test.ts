// On the real control plane: when a PolicyBundle's verified content changes, its status says what changed in
// its decisions — the exact semantic diff against the content verified before (status.lastChange) — and a
// bundle whose content stays the same keeps the summary it has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { examplePolicy, makeBundle, newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  applyPolicyBundle,
  installCrds,
  policyBundle,
  startOperator,
  testClient,
  trustSecret,
  verifiedState,
} from "../../support/operator.ts";

test("last-change: a new revision's status names the region whose decisions changed", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "lastchange");
  const client = testClient();
  await startOperator(t, ns);
  const key = newSigningKey();
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  const policy = await examplePolicy();
  const first = await makeBundle(t, { key, policy, build: { revision: 1 } });
  await applyPolicyBundle(client, ns, "loan", first.dir, "signers");
  const v1 = await verifiedState(client, ns, "loan", "True");
  assert.equal(v1.status?.lastChange, undefined, "a first verification has nothing to compare with");

  const rules = structuredClone(policy["rules"]) as { id: string; condition: { all?: unknown[] } }[];
  const large = rules.find((r) => r.id === "large");
  assert.ok(large?.condition.all);
  large.condition.all[0] = { signal: "amount", greater_than: 40_000 };
  const second = await makeBundle(t, { key, policy: { ...policy, rules }, build: { revision: 2 } });
  await applyPolicyBundle(client, ns, "loan", second.dir, "signers");
  const v2 = await eventually("status.lastChange for revision 2", async () => {
    const pb = await policyBundle(client, ns, "loan");
    return pb?.status?.lastChange?.toRevision === 2 ? pb : undefined;
  });
  const change = v2.status?.lastChange;
  assert.ok(change);
  assert.deepEqual(
    [
      change.fromRevision,
      change.toRevision,
      change.compared,
      change.changes,
      change.unreachableRules,
      change.signalsChanged,
    ],
    [1, 2, true, 1, 0, false],
  );
  assert.equal(change.fromBundleHash, v1.status?.bundleHash);
  assert.match(
    change.summary[0] ?? "",
    /^changed: .*amount > 40000 and amount <= 50000, country = "IN": approve \(rule default\) → manual_review/,
  );
});
