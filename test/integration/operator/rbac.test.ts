// The operator runs with exactly the permissions deploy/operator/rbac.yaml grants (a real ServiceAccount
// token, RBAC enforced by the API server), and the samples in deploy/samples work as shipped: the example
// PolicyBundle verifies and the GovernanceServer becomes Ready.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ResourceTypes } from "../../../src/operator/index.ts";
import { eventually, tool } from "../../support/kube.ts";
import {
  condition,
  governanceServer,
  installCrds,
  serverSecrets,
  serviceAccountClient,
  shortLease,
  startOperator,
  testClient,
  verifiedState,
} from "../../support/operator.ts";

const deploy = (path: string): string => fileURLToPath(new URL(`../../../deploy/${path}`, import.meta.url));

async function ensureNamespace(name: string): Promise<void> {
  await tool("kubectl", ["create", "namespace", name]).catch((error: unknown) => {
    if (!String(error).includes("AlreadyExists")) throw error;
  });
}

test("operator RBAC: with only deploy/operator/rbac.yaml's permissions it verifies the sample bundle and runs the sample GovernanceServer", async (t) => {
  await installCrds();
  await ensureNamespace("parmana-system");
  // The kustomize base as a whole is accepted by the API server.
  await tool("kubectl", ["apply", "-k", deploy(""), "--dry-run=server"]);
  await tool("kubectl", ["apply", "-f", deploy("operator/rbac.yaml")]);
  const ns = "risk";
  await ensureNamespace(ns);
  t.after(() => tool("kubectl", ["delete", "namespace", ns, "--wait=false"]));

  const operator = await startOperator(t, ns, {
    client: await serviceAccountClient("parmana-system", "parmana-operator"),
    leaderElection: shortLease("parmana-system", "parmana-operator-rbac-test"),
  });

  const client = testClient();
  await tool("kubectl", ["apply", "-f", deploy("samples/policybundle.yaml")]);
  const pb = await verifiedState(client, ns, "loan-approval-1-2-0", "True");
  assert.equal(pb.status?.revision, 1);
  await serverSecrets(client, ns);
  await tool("kubectl", ["apply", "-f", deploy("samples/governanceserver.yaml")]);
  const gs = await eventually(
    "the sample GovernanceServer Ready",
    async () => {
      const g = await governanceServer(client, ns, "risk-gov");
      return condition(g, "Ready")?.status === "True" ? g : undefined;
    },
    60_000,
  );
  assert.deepEqual(
    gs.status?.activeBundles?.map((b) => b.name),
    ["loan-approval-1-2-0"],
  );
  const metrics = await (await fetch(operator.metricsUrl ?? "")).text();
  assert.doesNotMatch(
    metrics,
    /controller_runtime_reconcile_errors_total\{[^}]*\} [1-9]/,
    "no reconcile was refused",
  );
  const denied = await client.list(ResourceTypes.event, ns);
  assert.ok(denied.items.every((e) => !JSON.stringify(e).includes("forbidden")));
});
