// Two `parmana operator` processes at once: only the Lease holder reconciles; SIGKILL it mid-rollout and the
// other takes over within the lease time and converges without duplicate children.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ResourceTypes, type KubeObject } from "../../../src/operator/index.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  serverSecrets,
  testClient,
  twoBundles,
} from "../../support/operator.ts";
import { freePort } from "../../support/private-services.ts";
import { kubernetesService } from "../../support/services.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const LEASE_SECONDS = 4;

interface Running {
  readonly child: ChildProcess;
  readonly metrics: string;
}

async function operatorProcess(t: TestContext, ns: string): Promise<Running> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(root, "bin/parmana.js"),
      "operator",
      "--kubeconfig",
      kubernetesService().kubeconfig,
      "--namespace",
      ns,
      "--metrics-port",
      String(port),
      "--leader-election-namespace",
      ns,
      "--lease-duration",
      String(LEASE_SECONDS),
    ],
    { env: { ...process.env, LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"] },
  );
  t.after(() => {
    child.kill("SIGKILL");
  });
  const metrics = `http://127.0.0.1:${String(port)}/metrics`;
  await eventually(
    "the operator's metrics port",
    async () => ((await fetch(metrics)).ok ? true : undefined),
    20_000,
  );
  return { child, metrics };
}

async function metric(running: Running, pattern: RegExp): Promise<number> {
  const text = await (await fetch(running.metrics)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

const leaderGauge = /^leader_election_master_status\{name="parmana-operator"\} (\d+)/m;
const reconciles = /^controller_runtime_reconcile_total\{controller="policybundle",result="success"\} (\d+)/m;

test("operator leader election: only the leader reconciles; kill it mid-rollout and the other takes over within the lease time, with no duplicate children", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "leader");
  const client = testClient();
  const a = await operatorProcess(t, ns);
  const b = await operatorProcess(t, ns);
  const [leader, follower] = await eventually("one leader", async () => {
    const [la, lb] = [await metric(a, leaderGauge), await metric(b, leaderGauge)];
    if (la + lb !== 1) return undefined;
    return la === 1 ? [a, b] : [b, a];
  });
  const lease = await client.get<KubeObject & { spec: { holderIdentity: string } }>(
    ResourceTypes.lease,
    ns,
    "parmana-operator",
  );
  assert.match(lease?.spec.holderIdentity ?? "", new RegExp(`-${String(leader.child.pid)}$`));

  await twoBundles(t, client, ns, newSigningKey());
  assert.ok((await metric(leader, reconciles)) > 0, "the leader reconciled");
  assert.equal(await metric(follower, reconciles), 0, "the follower did not");

  // Mid-rollout: the GovernanceServer is applied and the leader dies at once.
  await serverSecrets(client, ns);
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov", 2));
  leader.child.kill("SIGKILL");
  const killed = Date.now();
  await eventually(
    "the follower to lead",
    async () => ((await metric(follower, leaderGauge)) === 1 ? true : undefined),
    20_000,
    100,
  );
  const takeover = (Date.now() - killed) / 1000;
  assert.ok(
    takeover <= LEASE_SECONDS + 3,
    `took over in ${takeover.toFixed(1)} s (lease ${String(LEASE_SECONDS)} s)`,
  );
  await eventually(
    "the GovernanceServer Ready under the new leader",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
  const deployments = await client.list(ResourceTypes.deployment, ns);
  const sets = await client.list(ResourceTypes.configMap, ns, {
    labelSelector: "app.kubernetes.io/component=bundle-set",
  });
  assert.equal(deployments.items.length, 1, "one Deployment");
  assert.equal(sets.items.length, 1, "one bundle-set ConfigMap");
  t.diagnostic(`takeover after SIGKILL of the leader: ${takeover.toFixed(1)} s`);
});
