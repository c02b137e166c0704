// The operator against the real test control plane: CRDs installed from crds/, an operator running in this
// process for one namespace, and signed PolicyBundles written as the Kubernetes objects a user would apply.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { examplePolicy, makeBundle, newSigningKey, type TestBundle } from "./bundles.ts";
import { fileURLToPath } from "node:url";
import pino from "pino";
import type { SigningKey } from "../../src/crypto/index.ts";
import type { ExportSink } from "../../src/export/index.ts";
import {
  FIELD_MANAGER,
  KubeClient,
  Operator,
  ResourceTypes,
  type KubeObject,
  type OperatorOptions,
} from "../../src/operator/index.ts";
import type { GovernanceServer, PolicyBundle } from "../../src/operator/schema.ts";
import { KubeConfig } from "@kubernetes/client-node";
import type { Writable } from "../../src/operator/kube/index.ts";
import { eventually, kubeConfig, testNamespace, tool } from "./kube.ts";
import { kubernetesService, usingService, type KubernetesService } from "./services.ts";

const CRDS = fileURLToPath(new URL("../../crds/", import.meta.url));

let crdsInstalled: Promise<void> | undefined;

async function applyCrds(service: KubernetesService): Promise<void> {
  await usingService(service, () =>
    tool("kubectl", ["apply", "--server-side", "--force-conflicts", "-f", CRDS], service),
  );
  await tool(
    "kubectl",
    [
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/policybundles.governance.parmana.io",
      "crd/governanceservers.governance.parmana.io",
    ],
    service,
  );
}

/**
 * Applies crds/ (server-side, idempotent) and waits until both are established: once per test process on the
 * shared control plane, every time on another API server.
 */
export function installCrds(service?: KubernetesService): Promise<void> {
  if (service) return applyCrds(service);
  crdsInstalled ??= applyCrds(kubernetesService());
  return crdsInstalled;
}

/** An object a test writes: a named metadata and whatever else its kind has. */
export type Manifest = Writable & Record<string, unknown>;

/** The tests' own client: it applies under the field manager parmana-test, as a person with kubectl would. */
export function testClient(): KubeClient {
  return KubeClient.load(kubernetesService().kubeconfig, { fieldManager: "parmana-test" });
}

/** The client an operator under test runs with: the operator's field manager. */
export function operatorClient(): KubeClient {
  return KubeClient.load(kubernetesService().kubeconfig, { fieldManager: FIELD_MANAGER });
}

/** An operator in this process watching `namespace` (no leader election unless asked). */
export async function startOperator(
  t: TestContext,
  namespace: string,
  options: Partial<OperatorOptions> & { exportSinks?: readonly ExportSink[] } = {},
): Promise<Operator> {
  const operator = new Operator({
    client: operatorClient(),
    logger: pino({ level: process.env["PARMANA_TEST_OPERATOR_LOG"] ?? "silent" }),
    namespace,
    leaderElection: false,
    metricsPort: 0,
    metricsHost: "127.0.0.1",
    defaultImage: "parmana/parmana:test",
    ...options,
  });
  await operator.start();
  t.after(() => operator.stop());
  return operator;
}

/** The bundle directory's files, as a PolicyBundle's inline source or a ConfigMap's data. */
export async function bundleFileMap(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(dir)) files[name] = await readFile(join(dir, name), "utf8");
  return files;
}

export function trustSecret(namespace: string, name: string, keys: readonly SigningKey[]): Manifest {
  return {
    metadata: { name, namespace },
    type: "Opaque",
    stringData: Object.fromEntries(keys.map((k, i) => [`signer-${String(i)}.pub`, k.publicKey.pem])),
  };
}

export function policyBundleObject(
  namespace: string,
  name: string,
  files: Record<string, string>,
  options: {
    labels?: Record<string, string>;
    trustSecret: string;
    configMap?: string;
    policyVersion?: string;
  },
): Manifest {
  const policy = JSON.parse(files["policy.json"] ?? "{}") as { policyId: string; policyVersion: string };
  const { "bundle.manifest.json": manifest = "", "bundle.sig": signature = "", ...rest } = files;
  return {
    metadata: { name, namespace, labels: options.labels ?? {} },
    spec: {
      policyId: policy.policyId,
      policyVersion: options.policyVersion ?? policy.policyVersion,
      source:
        options.configMap !== undefined
          ? { configMapRef: { name: options.configMap } }
          : { inline: { files: rest, manifest, signature } },
      trust: { secretRef: { name: options.trustSecret } },
    },
  };
}

export async function applyObject(
  client: KubeClient,
  type: (typeof ResourceTypes)[keyof typeof ResourceTypes],
  object: Manifest,
): Promise<void> {
  await client.apply(type, object);
}

export async function policyBundle(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<PolicyBundle | undefined> {
  return client.get<PolicyBundle & KubeObject>(ResourceTypes.policyBundle, namespace, name);
}

export async function governanceServer(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<GovernanceServer | undefined> {
  return client.get<GovernanceServer & KubeObject>(ResourceTypes.governanceServer, namespace, name);
}

export function condition(
  object:
    | { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }
    | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the PolicyBundle's Verified condition has `status` for its current generation. */
export function verifiedState(
  client: KubeClient,
  namespace: string,
  name: string,
  status: "True" | "False",
  timeoutMs = 30_000,
): Promise<PolicyBundle> {
  return eventually(
    `PolicyBundle ${name} Verified=${status}`,
    async () => {
      const pb = await policyBundle(client, namespace, name);
      const c = pb?.status?.conditions?.find((x) => x.type === "Verified");
      return pb && c?.status === status && c.observedGeneration === pb.metadata.generation ? pb : undefined;
    },
    timeoutMs,
  );
}

/** The Secrets a GovernanceServer needs (placeholder URLs unless the test gives real ones). */
export async function serverSecrets(
  client: KubeClient,
  ns: string,
  apiKeys = "keys: []\n",
  urls: { redis: string; database: string } = {
    redis: "redis://redis.example:6379",
    database: "postgres://audit.example/parmana",
  },
): Promise<void> {
  const secret = (name: string, stringData: Record<string, string>): Manifest => ({
    metadata: { name, namespace: ns },
    stringData,
  });
  await applyObject(client, ResourceTypes.secret, secret("redis", { url: urls.redis }));
  await applyObject(client, ResourceTypes.secret, secret("audit-db", { url: urls.database }));
  const signer = newSigningKey();
  await applyObject(
    client,
    ResourceTypes.secret,
    secret("attestation-signer", {
      "private.pem": signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    }),
  );
  await applyObject(client, ResourceTypes.secret, secret("gov-api-keys", { "keys.yaml": apiKeys }));
}

/** A GovernanceServer selecting team=risk, with the Secrets serverSecrets() writes. */
export function governanceServerObject(ns: string, name: string, replicas = 2): Manifest {
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      bundleSelector: { matchLabels: { team: "risk" } },
      redis: { urlSecretRef: { name: "redis", key: "url" } },
      audit: { databaseUrlSecretRef: { name: "audit-db", key: "url" } },
      signingKeySecretRef: { name: "attestation-signer" },
      apiKeysSecretRef: { name: "gov-api-keys" },
    },
  };
}

/** Applies the bundle in `dir` as the PolicyBundle `name` (labelled team=risk), trusted through `trustSecret`. */
export async function applyPolicyBundle(
  client: KubeClient,
  ns: string,
  name: string,
  dir: string,
  trustSecret: string,
): Promise<void> {
  await applyObject(
    client,
    ResourceTypes.policyBundle,
    policyBundleObject(ns, name, await bundleFileMap(dir), { trustSecret, labels: { team: "risk" } }),
  );
}

/** Two bundles of the example policy (versions 1.2.0 and 1.3.0), signed by `key`, applied as PolicyBundles. */
export async function twoBundles(
  t: TestContext,
  client: KubeClient,
  ns: string,
  key: SigningKey,
): Promise<TestBundle[]> {
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  const policy = await examplePolicy();
  const bundles = [
    await makeBundle(t, { key }),
    await makeBundle(t, { key, policy: { ...policy, policyVersion: "1.3.0" } }),
  ];
  for (const [i, b] of bundles.entries()) {
    const name = i === 0 ? "loan-1-2-0" : "loan-1-3-0";
    await applyObject(
      client,
      ResourceTypes.policyBundle,
      policyBundleObject(ns, name, await bundleFileMap(b.dir), {
        trustSecret: "signers",
        labels: { team: "risk" },
      }),
    );
    await verifiedState(client, ns, name, "True");
  }
  return bundles;
}

/** A client that acts as `serviceAccount` (a token from the TokenRequest API), so RBAC is really enforced. */
export async function serviceAccountClient(namespace: string, serviceAccount: string): Promise<KubeClient> {
  const { stdout } = await tool("kubectl", ["create", "token", serviceAccount, "-n", namespace]);
  const cluster = kubeConfig().getCurrentCluster();
  if (!cluster) throw new Error("the test kubeconfig names no cluster");
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: stdout.trim() }],
    contexts: [{ name: "service-account", cluster: cluster.name, user: serviceAccount }],
    currentContext: "service-account",
  });
  return new KubeClient(config, { fieldManager: FIELD_MANAGER });
}

/** Leader election with a short lease, for tests that run the operator as a real ServiceAccount. */
export function shortLease(namespace: string, name?: string): NonNullable<OperatorOptions["leaderElection"]> {
  return {
    namespace,
    ...(name !== undefined && { name }),
    leaseDurationMs: 4_000,
    renewDeadlineMs: 3_000,
    retryPeriodMs: 500,
  };
}

/** How many reconciles `controller` has counted (of one `result`, or all), from the operator's own metrics. */
export async function reconcileCount(
  operator: Operator,
  controller: string,
  result?: string,
): Promise<number> {
  return (await operator.metrics.reconciles.get()).values
    .filter(
      (v) => v.labels["controller"] === controller && (result === undefined || v.labels["result"] === result),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** A fresh namespace with an operator watching it, two verified bundles (team=risk) and a server's Secrets. */
export async function serverScenario(
  t: TestContext,
  prefix: string,
): Promise<{ ns: string; client: KubeClient; operator: Operator }> {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), prefix);
  const client = testClient();
  const operator = await startOperator(t, ns);
  await twoBundles(t, client, ns, newSigningKey());
  await serverSecrets(client, ns);
  return { ns, client, operator };
}
