// The objects the operator rendered really run: the bundle-set ConfigMap and the Secrets, laid out on disk
// exactly as the Deployment's volumes and items mount them, with the Deployment's environment, start a real
// `parmana server` process (real Redis and Postgres) that answers /execute with attestations for exactly the
// bundles in the set.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ResourceTypes, type KubeClient, type KubeObject } from "../../../src/operator/index.ts";
import { MOUNTS } from "../../../src/operator/render.ts";
import { newSigningKey } from "../../support/bundles.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  condition,
  governanceServer,
  governanceServerObject,
  installCrds,
  startOperator,
  testClient,
  twoBundles,
  type Manifest,
} from "../../support/operator.ts";
import { freePort } from "../../support/private-services.ts";
import { redisService } from "../../support/services.ts";
import { executeBody, freshDatabase, post } from "../../support/server.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

interface Volume {
  name: string;
  configMap?: { name: string; items: { key: string; path: string }[] };
  secret?: { secretName: string; items: { key: string; path: string }[] };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Deployment extends KubeObject {
  spec: {
    template: {
      spec: {
        volumes: Volume[];
        containers: { env: EnvVar[]; volumeMounts: { name: string; mountPath: string }[] }[];
      };
    };
  };
}

/** The container's environment as the kubelet resolves it, mount paths moved under the local disk. */
async function podEnv(
  client: KubeClient,
  ns: string,
  vars: readonly EnvVar[],
  local: (path: string) => string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of vars) {
    if (e.value !== undefined) {
      const mount = Object.values(MOUNTS).find((m) => e.value?.startsWith(m));
      env[e.name] = mount !== undefined ? local(e.value) : e.value;
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const s = await client.get<KubeObject & { data: Record<string, string> }>(
        ResourceTypes.secret,
        ns,
        ref.name,
      );
      env[e.name] = Buffer.from(s?.data[ref.key] ?? "", "base64").toString("utf8");
    } else if (e.valueFrom?.fieldRef) {
      env[e.name] = e.valueFrom.fieldRef.fieldPath === "metadata.namespace" ? ns : "risk-gov-0";
    }
  }
  return env;
}

/** Writes the Deployment's volumes under `disk` as the kubelet would mount them; returns the container env. */
async function layOut(
  client: KubeClient,
  ns: string,
  d: Deployment,
  disk: string,
): Promise<Record<string, string>> {
  const pod = d.spec.template.spec;
  const container = pod.containers[0];
  assert.ok(container);
  const mountOf = (volume: string): string =>
    container.volumeMounts.find((m) => m.name === volume)?.mountPath ?? "";
  const local = (path: string): string => join(disk, path);
  for (const volume of pod.volumes) {
    const items = volume.configMap?.items ?? volume.secret?.items ?? [];
    const source = volume.configMap
      ? await client.get<KubeObject & { data: Record<string, string> }>(
          ResourceTypes.configMap,
          ns,
          volume.configMap.name,
        )
      : volume.secret
        ? await client.get<KubeObject & { data: Record<string, string> }>(
            ResourceTypes.secret,
            ns,
            volume.secret.secretName,
          )
        : undefined;
    for (const item of items) {
      const raw = source?.data[item.key];
      assert.ok(raw !== undefined, `${volume.name}: key ${item.key}`);
      const file = join(local(mountOf(volume.name)), item.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, volume.secret ? Buffer.from(raw, "base64") : raw);
    }
  }
  return podEnv(client, ns, container.env, local);
}

test("operator: the rendered ConfigMap, mounted as the Deployment mounts it, runs a real parmana server serving exactly the verified bundles", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "render");
  const client = testClient();
  await startOperator(t, ns);
  await twoBundles(t, client, ns, newSigningKey());
  const apiKey = randomBytes(24).toString("hex");
  const signer = newSigningKey();
  const secret = (name: string, stringData: Record<string, string>): Manifest => ({
    metadata: { name, namespace: ns },
    stringData,
  });
  await applyObject(client, ResourceTypes.secret, secret("redis", { url: redisService().url }));
  await applyObject(client, ResourceTypes.secret, secret("audit-db", { url: await freshDatabase(t) }));
  await applyObject(
    client,
    ResourceTypes.secret,
    secret("attestation-signer", {
      "private.pem": signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    }),
  );
  await applyObject(
    client,
    ResourceTypes.secret,
    secret("gov-api-keys", { "keys.yaml": `- id: svc\n  key: ${apiKey}\n  scopes: [execute, verify]\n` }),
  );
  await applyObject(client, ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov", 1));
  await eventually(
    "Ready",
    async () =>
      condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
        ? true
        : undefined,
    60_000,
  );

  // Lay the volumes out on disk as the kubelet would.
  const disk = await mkdtemp(join(tmpdir(), "parmana-pod-"));
  t.after(() => rm(disk, { recursive: true, force: true }));
  const d = await client.get<Deployment>(ResourceTypes.deployment, ns, "risk-gov");
  assert.ok(d);
  const env = await layOut(client, ns, d, disk);
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, "bin/parmana.js"), "server"], {
    env: {
      ...process.env,
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
      METRICS_PORT: "0",
      DASHBOARD_PORT: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    child.kill("SIGTERM");
  });
  const url = `http://127.0.0.1:${String(port)}`;
  await eventually(
    `the server to be ready (${stderr})`,
    async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined),
    30_000,
  );
  for (const version of ["1.2.0", "1.3.0"]) {
    const res = await post(`${url}/execute`, apiKey, {
      ...executeBody(`exec-${randomBytes(6).toString("hex")}`),
      policyVersion: version,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const attestation = res.body["attestation"] as { policyVersion?: string } | undefined;
    assert.ok(attestation, "an attestation");
  }
  const outside = await post(`${url}/execute`, apiKey, {
    ...executeBody(`exec-${randomBytes(6).toString("hex")}`),
    policyVersion: "9.9.9",
  });
  assert.equal(outside.status, 404, "a bundle outside the set is not served");
});
