// `parmana get|status|reconcile|suspend|resume` against the real control plane and a running operator: a
// suspended GovernanceServer does not roll when its bundle set changes and rolls on resume; `reconcile --wait`
// returns once the controller handled that very request; `status` says why a bundle is not ready and what to do,
// with the documented exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../../../src/cli/index.ts";
import {
  RECONCILE_REQUESTED_AT,
  ResourceTypes,
  type KubeClient,
  type KubeObject,
} from "../../../src/operator/index.ts";
import { ANNOTATION_BUNDLE_SET } from "../../../src/operator/render.ts";
import { examplePolicy, makeBundle, newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  applyPolicyBundle,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  policyBundle,
  serverSecrets,
  startOperator,
  testClient,
  trustSecret,
  verifiedState,
} from "../../support/operator.ts";
import { kubernetesService } from "../../support/services.ts";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...args, "--kubeconfig", kubernetesService().kubeconfig], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function podSetHash(client: KubeClient, ns: string, name: string): Promise<string | undefined> {
  const d = await client.get<
    KubeObject & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }
  >(ResourceTypes.deployment, ns, name);
  return d?.spec.template.metadata.annotations?.[ANNOTATION_BUNDLE_SET];
}

test("cli: a suspended GovernanceServer does not roll when its bundle set changes, and rolls on resume", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "suspend");
  const client = testClient();
  await startOperator(t, ns);
  const key = newSigningKey();
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  await applyPolicyBundle(client, ns, "loan-1-2-0", (await makeBundle(t, { key })).dir, "signers");
  await verifiedState(client, ns, "loan-1-2-0", "True");
  await serverSecrets(client, ns);
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  await eventually("risk-gov Ready", async () =>
    condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True" ? true : undefined,
  );
  const before = await podSetHash(client, ns, "risk-gov");
  assert.ok(before);

  const suspended = await cli("suspend", "gs", "risk-gov", "-n", ns);
  assert.equal(suspended.code, 0, suspended.err);
  await eventually("the Suspended condition", async () =>
    condition(await governanceServer(client, ns, "risk-gov"), "Suspended")?.status === "True"
      ? true
      : undefined,
  );
  const status = await cli("status", "gs", "risk-gov", "-n", ns);
  assert.match(status.out, /suspended: the operator leaves risk-gov as it is .*parmana resume gs risk-gov/);
  const refused = await cli("reconcile", "gs", "risk-gov", "-n", ns);
  assert.equal(refused.code, 1, "a reconcile request on a suspended object is refused");
  assert.match(refused.err, /is suspended: resume it first/);

  // A second verified bundle the server selects: it would roll, but it is suspended.
  const policy = { ...(await examplePolicy()), policyVersion: "1.3.0" };
  await applyPolicyBundle(client, ns, "loan-1-3-0", (await makeBundle(t, { key, policy })).dir, "signers");
  await verifiedState(client, ns, "loan-1-3-0", "True");
  await new Promise((resolve) => setTimeout(resolve, 4_000)); // several reconciles' worth
  assert.equal(await podSetHash(client, ns, "risk-gov"), before, "the pods were not rolled while suspended");
  assert.equal((await governanceServer(client, ns, "risk-gov"))?.status?.activeBundles?.length, 1);

  const resumed = await cli("resume", "gs", "risk-gov", "-n", ns, "--wait", "--timeout", "90s");
  assert.equal(resumed.code, 0, `${resumed.out}\n${resumed.err}`);
  const after = await eventually("the pods on the new set", async () => {
    const hash = await podSetHash(client, ns, "risk-gov");
    return hash !== undefined && hash !== before ? hash : undefined;
  });
  assert.notEqual(after, before);
  const gs = await governanceServer(client, ns, "risk-gov");
  assert.equal(gs?.status?.activeBundles?.length, 2);
  assert.equal(condition(gs, "Suspended"), undefined, "the Suspended condition is gone");
});

test("cli: `reconcile pb --wait` returns after the controller handled that request; status explains a failure", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "reconcile");
  const client = testClient();
  await startOperator(t, ns);
  const key = newSigningKey();
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  await applyPolicyBundle(client, ns, "loan", (await makeBundle(t, { key })).dir, "signers");
  await verifiedState(client, ns, "loan", "True");

  const done = await cli("reconcile", "pb", "loan", "-n", ns, "--wait", "--timeout", "30s");
  assert.equal(done.code, 0, done.err);
  const token = /reconcile requested at (\S+)/.exec(done.out)?.[1];
  assert.ok(token, done.out);
  const pb = await policyBundle(client, ns, "loan");
  assert.equal(pb?.metadata.annotations?.[RECONCILE_REQUESTED_AT], token);
  assert.equal(pb.status?.lastHandledReconcileAt, token, "--wait returned only once the token was handled");
  assert.match(done.out, /ready: /);

  // Signed by a key the trust Secret does not hold: not ready, the reason and the fix on one line, exit 1.
  await applyPolicyBundle(
    client,
    ns,
    "stranger",
    (await makeBundle(t, { key: newSigningKey() })).dir,
    "signers",
  );
  await verifiedState(client, ns, "stranger", "False");
  const status = await cli("status", "pb", "stranger", "-n", ns);
  assert.equal(status.code, 1);
  assert.match(
    status.out,
    /not ready \(UNTRUSTED_KEY\): .* — add the signer's public key to the trust Secret/,
  );
  const table = await cli("get", "pb", "-n", ns);
  assert.equal(table.code, 0);
  assert.match(table.out, /^NAME\s+READY\s+SUSPENDED\s+REASON/);
  assert.match(table.out, /\nloan\s+True\s+False\s+/);
  assert.match(table.out, /\nstranger\s+False\s+False\s+UNTRUSTED_KEY/);
  const missing = await cli("status", "gs", "nothing-here", "-n", ns);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /not found/);
  const usage = await cli("status", "deployment", "x");
  assert.equal(usage.code, 2);
});
