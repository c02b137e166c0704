// Proves the harness's control plane is a real one: CRD schemas and CEL enforced by the API server, watches,
// Deployments that roll out onto the kwok Node, garbage collection, RBAC, helm and promtool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
  type V1Deployment,
} from "@kubernetes/client-node";
import { apiStatus, eventually, kubeConfig, testNamespace, tool } from "../../support/kube.ts";
import { kubernetesService, usingService } from "../../support/services.ts";

const cluster = kubernetesService();
const kc = kubeConfig(cluster);
const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const widget = { group: "infra-test.parmana.io", version: "v1", plural: "widgets" } as const;

async function ensureWidgetCrd(): Promise<void> {
  await tool("kubectl", ["apply", "-f", `${fixtures}kubernetes/widget-crd.yaml`]);
  await tool("kubectl", [
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/widgets.infra-test.parmana.io",
  ]);
}

test("kubernetes: the API server reports the pinned version", async () => {
  const { stdout } = await tool("kubectl", ["version", "-o", "json"]);
  const version = JSON.parse(stdout) as { serverVersion: { gitVersion: string } };
  assert.match(version.serverVersion.gitVersion, /^v1\.34\.\d+$/);
});

test("kubernetes: a CRD applied with kubectl serves custom objects: create, read, update, watch", async (t) => {
  await usingService(cluster, ensureWidgetCrd);
  const namespace = await testNamespace(t, kc);
  const objects = kc.makeApiClient(CustomObjectsApi);
  // List, then watch from the list's resourceVersion: the informer pattern, and proof the CRD is served.
  const list = await eventually(
    "the new CRD to be served",
    async () =>
      (await objects.listNamespacedCustomObject({ ...widget, namespace })) as {
        metadata: { resourceVersion: string };
      },
  );
  const seen: string[] = [];
  let watchError: unknown;
  const watch = new Watch(kc);
  const watching = await watch.watch(
    `/apis/${widget.group}/${widget.version}/namespaces/${namespace}/${widget.plural}`,
    { resourceVersion: list.metadata.resourceVersion },
    (phase, object: { spec?: { size?: number } }) => seen.push(`${phase}:${String(object.spec?.size)}`),
    (error: unknown) => {
      watchError = error;
    },
  );
  t.after(() => {
    watching.abort();
  });

  const created = (await objects.createNamespacedCustomObject({
    ...widget,
    namespace,
    body: {
      apiVersion: `${widget.group}/${widget.version}`,
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 3 },
    },
  })) as { metadata: { resourceVersion: string } };
  const read = (await objects.getNamespacedCustomObject({ ...widget, namespace, name: "w1" })) as {
    spec: { size: number };
  };
  assert.equal(read.spec.size, 3);

  await objects.patchNamespacedCustomObject({
    ...widget,
    namespace,
    name: "w1",
    body: [{ op: "replace", path: "/spec/size", value: 4 }],
  });
  // The status subresource is separate: a write to it does not change the spec, and vice versa.
  await objects.patchNamespacedCustomObjectStatus({
    ...widget,
    namespace,
    name: "w1",
    body: [{ op: "add", path: "/status", value: { observedSize: 4 } }],
  });
  const updated = (await objects.getNamespacedCustomObject({ ...widget, namespace, name: "w1" })) as {
    spec: { size: number };
    status: { observedSize: number };
    metadata: { resourceVersion: string };
  };
  assert.deepEqual([updated.spec.size, updated.status.observedSize], [4, 4]);
  assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);

  await eventually("the watch to see ADDED and MODIFIED", () => {
    if (watchError) throw new Error("the watch ended early", { cause: watchError });
    return Promise.resolve(seen.includes("ADDED:3") && seen.includes("MODIFIED:4") ? true : undefined);
  });
  assert.deepEqual(seen.slice(0, 2), ["ADDED:3", "MODIFIED:4"], "events arrive in order");
});

test("kubernetes: objects that violate the CRD schema or its CEL rule are rejected by the API server", async (t) => {
  await usingService(cluster, ensureWidgetCrd);
  const namespace = await testNamespace(t, kc);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const attempt = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
    objects.createNamespacedCustomObject({
      ...widget,
      namespace,
      body: { apiVersion: `${widget.group}/${widget.version}`, kind: "Widget", metadata: { name }, spec },
    });

  const rejections: [string, Record<string, unknown>, RegExp][] = [
    ["too-big", { size: 11 }, /spec\.size/],
    ["wrong-type", { size: "three" }, /spec\.size/],
    ["missing-size", { colour: "red" }, /spec\.size/],
    ["bad-enum", { size: 1, colour: "purple" }, /spec\.colour/],
    ["cel", { size: 1, min: 5, max: 2 }, /min must not exceed max/],
  ];
  for (const [name, spec, message] of rejections) {
    await assert.rejects(attempt(name, spec), (error: unknown) => {
      assert.equal(apiStatus(error), 422, `${name} should be rejected with 422`);
      assert.match(String((error as { body?: unknown }).body), message);
      return true;
    });
  }
  await attempt("valid", { size: 1, min: 1, max: 2 });
});

function deployment(name: string, replicas: number, owner?: { uid: string; name: string }): V1Deployment {
  const labels = { app: name };
  return {
    metadata: {
      name,
      ...(owner && {
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: owner.name, uid: owner.uid, blockOwnerDeletion: true },
        ],
      }),
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: "registry.invalid/never-pulled:1" }] },
      },
    },
  };
}

test("kubernetes: a 2-replica Deployment rolls out to readyReplicas 2, and deleting its owner collects it", async (t) => {
  const namespace = await testNamespace(t, kc);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "owner" } } });
  await apps.createNamespacedDeployment({
    namespace,
    body: deployment("web", 2, { uid: owner.metadata?.uid ?? "", name: "owner" }),
  });

  await eventually(
    "deployment web to have 2 ready replicas",
    async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name: "web" });
      return d.status?.readyReplicas === 2 ? d : undefined;
    },
    90_000,
  );
  const pods = await core.listNamespacedPod({ namespace, labelSelector: "app=web" });
  assert.equal(pods.items.length, 2);
  assert.ok(pods.items.every((p) => p.spec?.nodeName === "kwok-node-0" && p.status?.phase === "Running"));

  await core.deleteNamespacedConfigMap({ namespace, name: "owner", propagationPolicy: "Foreground" });
  await eventually(
    "the garbage collector to delete the owned deployment and its pods",
    async () => {
      const [deployments, remaining] = await Promise.all([
        apps.listNamespacedDeployment({ namespace }),
        core.listNamespacedPod({ namespace }),
      ]);
      return deployments.items.length === 0 && remaining.items.length === 0 ? true : undefined;
    },
    90_000,
  );
});

test("kubernetes: RBAC is enforced: a ServiceAccount may do what its Role allows and nothing else", async (t) => {
  const namespace = await testNamespace(t, kc);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: "configmap-reader" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name: "reader",
    body: { spec: { audiences: ["https://kubernetes.default.svc"], expirationSeconds: 600 } },
  });

  const asReader = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  assert.ok(cluster);
  asReader.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "reader", token: token.status?.token ?? "" }],
    contexts: [{ name: "reader", cluster: cluster.name, user: "reader" }],
    currentContext: "reader",
  });
  const readerCore = asReader.makeApiClient(CoreV1Api);

  const allowed = await eventually("the RoleBinding to take effect", async () =>
    readerCore.listNamespacedConfigMap({ namespace }),
  );
  assert.ok(Array.isArray(allowed.items));
  const forbidden: [string, () => Promise<unknown>][] = [
    ["list secrets", () => readerCore.listNamespacedSecret({ namespace })],
    [
      "create a configmap",
      () => readerCore.createNamespacedConfigMap({ namespace, body: { metadata: { name: "x" } } }),
    ],
    ["list namespaces", () => readerCore.listNamespace()],
    [
      "list configmaps in another namespace",
      () => readerCore.listNamespacedConfigMap({ namespace: "default" }),
    ],
  ];
  for (const [what, call] of forbidden) {
    await assert.rejects(call(), (error: unknown) => {
      assert.equal(apiStatus(error), 403, `${what} should be forbidden`);
      return true;
    });
  }
});

test("kubernetes: helm template and helm install of a chart work against the cluster", async (t) => {
  const namespace = await testNamespace(t, kc);
  const chart = `${fixtures}charts/hello`;
  const release = `hello-${randomBytes(3).toString("hex")}`;

  const rendered = await tool("helm", ["template", release, chart, "--set", "greeting=bonjour"]);
  assert.match(rendered.stdout, /kind: ConfigMap/);
  assert.match(rendered.stdout, /greeting: "bonjour"/);

  await tool("helm", [
    "install",
    release,
    chart,
    "--namespace",
    namespace,
    "--set",
    "greeting=namaste",
    "--wait",
  ]);
  t.after(async () => {
    await tool("helm", ["uninstall", release, "--namespace", namespace]).catch(() => undefined);
  });
  const core = kc.makeApiClient(CoreV1Api);
  const configMap = await core.readNamespacedConfigMap({ namespace, name: `${release}-greeting` });
  assert.equal(configMap.data?.["greeting"], "namaste");
  const { stdout } = await tool("helm", ["status", release, "--namespace", namespace, "-o", "json"]);
  assert.equal((JSON.parse(stdout) as { info: { status: string } }).info.status, "deployed");
});

test("kubernetes: promtool checks and unit-tests a rule file", async () => {
  await tool("promtool", ["check", "rules", `${fixtures}prometheus/sample-rules.yaml`]);
  const { stdout } = await tool("promtool", [
    "test",
    "rules",
    `${fixtures}prometheus/sample-rules.test.yaml`,
  ]);
  assert.match(stdout, /SUCCESS/);
  // A test file whose expectation is wrong must fail: promtool really evaluates the rules.
  await assert.rejects(
    tool("promtool", ["test", "rules", `${fixtures}prometheus/sample-rules.broken-test.yaml`]),
    /FAILED/,
  );
});
