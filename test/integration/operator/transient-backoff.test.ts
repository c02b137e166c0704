// A transient failure on the real control plane: the operator's ServiceAccount may not write Deployments, so
// every GovernanceServer reconcile fails at the API server (403). The failures are retried with per-key
// exponential backoff — a handful in the first seconds, not a busy loop — and once the permission is granted
// the next retry converges, with nothing restarted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace, tool } from "../../support/kube.ts";
import {
  applyObject,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  reconcileCount,
  serverSecrets,
  serviceAccountClient,
  startOperator,
  testClient,
  twoBundles,
} from "../../support/operator.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The operator's ClusterRole rules from deploy/operator/rbac.yaml, optionally without writing Deployments. */
async function operatorRules(deploymentWrites: boolean): Promise<Rule[]> {
  const docs = parseAllDocuments(
    await readFile(new URL("../../../deploy/operator/rbac.yaml", import.meta.url), "utf8"),
  );
  const role = docs
    .map((d) => d.toJSON() as { kind: string; rules?: Rule[] })
    .find((d) => d.kind === "ClusterRole");
  assert.ok(role?.rules);
  return role.rules.map((r) =>
    !deploymentWrites && r.resources.includes("deployments") ? { ...r, verbs: ["list", "watch"] } : r,
  );
}

test("transient: reconciles failing at the API server are retried with backoff, and converge once allowed", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "backoff");
  const admin = testClient();
  await applyObject(admin, ResourceTypes.serviceAccount, { metadata: { name: "op", namespace: ns } });
  const role = async (deploymentWrites: boolean): Promise<void> => {
    const manifest = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "op", namespace: ns },
      rules: await operatorRules(deploymentWrites),
    };
    const file = join(await mkdtemp(join(tmpdir(), "parmana-role-")), "role.json");
    await writeFile(file, JSON.stringify(manifest));
    await tool("kubectl", ["apply", "-f", file]);
  };
  await role(false);
  await tool("kubectl", ["create", "rolebinding", "op", "-n", ns, "--role=op", `--serviceaccount=${ns}:op`]);
  const operator = await startOperator(t, ns, { client: await serviceAccountClient(ns, "op") });

  await twoBundles(t, admin, ns, newSigningKey());
  await serverSecrets(admin, ns);
  await applyObject(admin, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov"));
  const errors = (): Promise<number> => reconcileCount(operator, "governanceserver", "error");
  await eventually("the first failed reconciles (403 on the Deployment)", async () =>
    (await errors()) >= 3 ? true : undefined,
  );
  const before = await errors();
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const during = (await errors()) - before;
  // Per-key backoff doubles from 5 ms: after the third failure, 4 s hold about 6 more attempts; a retry without
  // backoff would have made hundreds.
  t.diagnostic(`${String(before)} failed reconciles at first, ${String(during)} more in the next 4 s`);
  assert.ok(during >= 1, "the failures are retried");
  assert.ok(during <= 12, `${String(during)} retries in 4 s is not backing off`);

  await role(true);
  await eventually(
    "risk-gov Ready once the operator may write its Deployment",
    async () =>
      condition(await governanceServer(admin, ns, "risk-gov"), "Ready")?.status === "True" ? true : undefined,
    90_000,
  );
});
