// The Helm chart against the real control plane: lint and template, a schema that rejects bad values, the
// same RBAC as deploy/, an install whose own ServiceAccount runs the operator on the samples (and cannot do
// what it does not need), an upgrade that changes a CRD, and an uninstall that leaves nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { ResourceTypes, type KubeClient, type KubeObject } from "../../../src/operator/index.ts";
import { eventually, kubeConfig, testNamespace, tool } from "../../support/kube.ts";
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

const root = fileURLToPath(new URL("../../../", import.meta.url));
const CHART = join(root, "charts/parmana-operator");
const MONITORING = [
  "--api-versions",
  "monitoring.coreos.com/v1/PrometheusRule",
  "--api-versions",
  "monitoring.coreos.com/v1/ServiceMonitor",
];

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: unknown[];
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

async function template(...args: string[]): Promise<Doc[]> {
  const { stdout } = await tool("helm", ["template", "rel", CHART, "--namespace", "parmana-system", ...args]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

test("chart: helm lint; helm template with default and full values; bad values are refused with a readable message", async () => {
  await tool("helm", ["lint", CHART, "--strict"]);
  const defaults = await template();
  const kinds = defaults.map((d) => d.kind).sort();
  assert.deepEqual(kinds, [
    "ClusterRole",
    "ClusterRoleBinding",
    "ConfigMap",
    "CustomResourceDefinition",
    "CustomResourceDefinition",
    "Deployment",
    "PodDisruptionBudget",
    "Role",
    "RoleBinding",
    "Service",
    "ServiceAccount",
  ]);
  const full = await template("-f", join(root, "test/fixtures/chart/full-values.yaml"), ...MONITORING);
  const byKind = (kind: string): Doc[] => full.filter((d) => d.kind === kind);
  assert.equal(byKind("PrometheusRule").length, 1);
  assert.equal(byKind("ServiceMonitor").length, 1);
  assert.equal(byKind("ClusterRole").length, 0, "watchNamespace makes RBAC a Role");
  assert.ok(byKind("Role").some((r) => r.metadata.namespace === "risk"));
  const deployment = JSON.stringify(byKind("Deployment")[0]);
  for (const expected of [
    "registry.example/parmana:9.9.9",
    "--namespace=risk",
    "siem.parmana",
    "otel-collector",
    "--default-api-access-retention-days=14",
    "--default-decisions-retention-days=400",
  ])
    assert.ok(deployment.includes(expected), expected);
  const dashboard = byKind("ConfigMap").find((c) => c.metadata.name.endsWith("-dashboard"));
  assert.ok(dashboard?.data?.["parmana.json"]?.includes('"uid": "parmana-overview"'));
  const rule = byKind("PrometheusRule")[0];
  assert.match(
    JSON.stringify(rule?.spec),
    /https:\/\/wiki\.example\/parmana\/runbooks\/ParmanaSignatureFailure\.md/,
  );

  const refused = async (args: string[], message: RegExp): Promise<void> => {
    await assert.rejects(template(...args), (error: unknown) => message.test(String(error)));
  };
  await refused(["--set", "replicaCount=two"], /at '\/replicaCount': got string, want integer/);
  await refused(["--set", "replicas=2"], /additional properties 'replicas' not allowed/);
  await refused(["--set", "watchNamespace=Not_A_Namespace"], /\/watchNamespace/);
  await refused(["--set", "export.kafka.format=xml"], /\/export\/kafka\/format/);
  await refused(
    ["--set", "governanceServerDefaults.audit.retention.apiAccessDays=-1"],
    /\/governanceServerDefaults\/audit\/retention\/apiAccessDays/,
  );
});

test("chart: its RBAC rules are deploy/operator/rbac.yaml's, and its PrometheusRule is files/alerts.yaml", async () => {
  const [clusterRole] = (await template()).filter((d) => d.kind === "ClusterRole");
  const plain = parseAllDocuments(await readFile(join(root, "deploy/operator/rbac.yaml"), "utf8"))
    .map((d) => d.toJSON() as Doc)
    .find((d) => d.kind === "ClusterRole");
  assert.deepEqual(clusterRole?.rules, plain?.rules);
  const [rule] = (await template(...MONITORING)).filter((d) => d.kind === "PrometheusRule");
  const alerts = parse(
    (await readFile(join(CHART, "files/alerts.yaml"), "utf8")).replaceAll(
      "RUNBOOK_BASE_URL",
      "https://parmana.dev/runbooks",
    ),
  ) as unknown;
  assert.deepEqual(rule?.spec, alerts);
});

async function canI(as: string, ...args: string[]): Promise<boolean> {
  const result = await tool("kubectl", ["auth", "can-i", ...args, "--as", as]).catch((error: unknown) => ({
    stdout: String(error),
  }));
  return result.stdout.trim().endsWith("yes");
}

/** Applies a deploy/samples file into `namespace` instead of the namespace written in it. */
async function applySample(client: KubeClient, file: string, namespace: string): Promise<void> {
  const docs = parseAllDocuments(await readFile(join(root, "deploy/samples", file), "utf8")).map(
    (d) => d.toJSON() as KubeObject & { kind: string },
  );
  for (const doc of docs) {
    const type = Object.values(ResourceTypes).find((t) => t.kind === doc.kind);
    assert.ok(type, doc.kind);
    await client.apply(type, { ...doc, metadata: { ...doc.metadata, namespace } });
  }
}

test("chart: helm install; the operator runs with the chart's ServiceAccount on the samples, cannot do what it does not need, and helm uninstall leaves nothing", async (t) => {
  await installCrds();
  const kc = kubeConfig();
  const releaseNs = await testNamespace(t, kc, "chart");
  const watched = await testNamespace(t, kc, "watched");
  const release = `p${randomBytes(3).toString("hex")}`;
  await tool("helm", [
    "install",
    release,
    CHART,
    "-n",
    releaseNs,
    "--set",
    "crds.install=false",
    "--set",
    `watchNamespace=${watched}`,
    "--set",
    "leaderElection.leaseDurationSeconds=4",
  ]);
  const sa = `${release}-parmana-operator`;
  const as = `system:serviceaccount:${releaseNs}:${sa}`;
  assert.equal(await canI(as, "list", "secrets", "-n", watched), true);
  assert.equal(await canI(as, "list", "secrets", "--all-namespaces"), false, "no Secrets cluster-wide");
  assert.equal(
    await canI(as, "get", "secrets", "-n", releaseNs),
    false,
    "no Secrets outside the watched namespace",
  );
  assert.equal(await canI(as, "delete", "namespaces"), false);
  assert.equal(await canI(as, "create", "pods", "-n", watched), false);
  assert.equal(await canI(as, "update", "leases", "-n", releaseNs), true);

  const operator = await startOperator(t, watched, {
    client: await serviceAccountClient(releaseNs, sa),
    leaderElection: shortLease(releaseNs),
  });
  const client = testClient();
  await applySample(client, "policybundle.yaml", watched);
  await verifiedState(client, watched, "loan-approval-1-2-0", "True");
  await serverSecrets(client, watched);
  await applySample(client, "governanceserver.yaml", watched);
  await eventually(
    "the sample GovernanceServer Ready under the chart's permissions",
    async () =>
      condition(await governanceServer(client, watched, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );
  await operator.stop();

  await tool("helm", ["uninstall", release, "-n", releaseNs, "--wait"]);
  const selector = `app.kubernetes.io/instance=${release}`;
  const left: string[] = [];
  for (const kind of ["deployments", "services", "serviceaccounts", "configmaps", "roles", "rolebindings"]) {
    for (const ns of [releaseNs, watched]) {
      const { stdout } = await tool("kubectl", ["get", kind, "-n", ns, "-l", selector, "-o", "name"]);
      if (stdout.trim() !== "") left.push(stdout.trim());
    }
  }
  const { stdout: cluster } = await tool("kubectl", [
    "get",
    "clusterroles,clusterrolebindings",
    "-l",
    selector,
    "-o",
    "name",
  ]);
  if (cluster.trim() !== "") left.push(cluster.trim());
  assert.deepEqual(left, [], "nothing of the release is left");
});

test("chart: helm upgrade to a chart with a changed CRD applies the change; uninstall with crds.keep=false removes them", async (t) => {
  // A copy of the chart whose CRDs live in their own API group, so the shared ones are not touched.
  const group = `g${randomBytes(3).toString("hex")}.parmana.io`;
  const copy = await mkdtemp(join(tmpdir(), "parmana-chart-"));
  t.after(() => rm(copy, { recursive: true, force: true }));
  const chart = join(copy, "parmana-operator");
  await cp(CHART, chart, { recursive: true });
  const crdDir = join(chart, "files/crds");
  const rewrite = async (edit: (text: string) => string): Promise<void> => {
    for (const f of await readdir(crdDir))
      await writeFile(join(crdDir, f), edit(await readFile(join(crdDir, f), "utf8")));
  };
  await rewrite((text) => text.replaceAll("governance.parmana.io", group));
  const ns = await testNamespace(t, kubeConfig(), "upgrade");
  const release = `u${randomBytes(3).toString("hex")}`;
  const common = ["-n", ns, "--set", "crds.keep=false", "--set", `watchNamespace=${ns}`];
  await tool("helm", ["install", release, chart, ...common]);
  const columns = async (): Promise<string[]> => {
    const { stdout } = await tool("kubectl", ["get", "crd", `policybundles.${group}`, "-o", "json"]);
    const crd = JSON.parse(stdout) as {
      spec: { versions: { additionalPrinterColumns: { name: string }[] }[] };
    };
    return crd.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name) ?? [];
  };
  assert.ok(!(await columns()).includes("Signers"));
  await rewrite((text) =>
    text.includes("kind: PolicyBundle")
      ? text.replace(
          "        - name: Age\n",
          "        - name: Signers\n          type: string\n          jsonPath: .status.signerKeyIds\n        - name: Age\n",
        )
      : text,
  );
  await tool("helm", ["upgrade", release, chart, ...common]);
  assert.ok((await columns()).includes("Signers"), "helm upgrade applied the changed CRD");
  await tool("helm", ["uninstall", release, "-n", ns, "--wait"]);
  await eventually("the CRDs to be removed", async () => {
    const { stdout } = await tool("kubectl", ["get", "crd", "-o", "name"]);
    return stdout.includes(group) ? undefined : true;
  });
});
