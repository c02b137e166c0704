// A second kube-apiserver for a test that must stop and restart it: the same binary, PKI and etcd as the
// shared control plane, but its own port and its own etcd prefix, so the other tests never see it go away.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { eventually, kubeConfig, tool } from "./kube.ts";
import { freePort } from "./private-services.ts";
import { kubernetesService, type KubernetesService } from "./services.ts";

export interface PrivateApiServer {
  /** A service description for tool() and KubeClient.load(), pointing at this API server. */
  readonly service: KubernetesService;
  start(): Promise<void>;
  /** SIGKILL: no graceful shutdown, open watches are cut. */
  kill(): Promise<void>;
}

/** Deletes every etcd key under `prefix` (the v3 JSON gateway). */
async function deletePrefix(etcd: string, prefix: string): Promise<void> {
  const key = Buffer.from(prefix);
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  await fetch(`${etcd}/v3/kv/deleterange`, {
    method: "POST",
    body: JSON.stringify({ key: key.toString("base64"), range_end: end.toString("base64") }),
  });
}

export async function privateApiServer(t: TestContext): Promise<PrivateApiServer> {
  const shared = kubernetesService();
  const dir = await mkdtemp(join(tmpdir(), "parmana-apiserver-"));
  const port = await freePort();
  const prefix = `/parmana-private-${randomBytes(4).toString("hex")}/`;
  const config = kubeConfig();
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error("the test kubeconfig names no cluster");
  const server = `https://127.0.0.1:${String(port)}`;
  config.clusters = config.clusters.map((c) => (c.name === cluster.name ? { ...c, server } : c));
  const kubeconfig = join(dir, "kubeconfig.json");
  await writeFile(kubeconfig, config.exportConfig(), { mode: 0o600 });
  const service: KubernetesService = { ...shared, kubeconfig, server, log: join(dir, "kube-apiserver.log") };
  const pki = shared.pki;
  const args = [
    "--etcd-servers",
    shared.etcd,
    "--etcd-prefix",
    prefix,
    "--bind-address",
    "127.0.0.1",
    "--advertise-address",
    "127.0.0.1",
    "--secure-port",
    String(port),
    "--cert-dir",
    join(dir, "certs"),
    "--tls-cert-file",
    `${pki}/apiserver.crt`,
    "--tls-private-key-file",
    `${pki}/apiserver.key`,
    "--client-ca-file",
    `${pki}/ca.crt`,
    "--service-cluster-ip-range",
    "10.0.0.0/24",
    "--authorization-mode",
    "RBAC,Node",
    "--service-account-issuer",
    "https://kubernetes.default.svc",
    "--service-account-key-file",
    `${pki}/sa.pub`,
    "--service-account-signing-key-file",
    `${pki}/sa.key`,
    "--disable-admission-plugins",
    "ServiceAccount",
    "--enable-priority-and-fairness=false",
    "--v=0",
  ];
  let child: ChildProcess | undefined;
  const log = createWriteStream(service.log, { flags: "a" });
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  const start = async (): Promise<void> => {
    const started = spawn(`${shared.bin}/kube-apiserver`, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    started.stdout.pipe(log, { end: false });
    started.stderr.pipe(log, { end: false });
    await eventually(
      `the private kube-apiserver on ${server} to be ready (log: ${service.log})`,
      async () => {
        if (started.exitCode !== null) throw new Error(`kube-apiserver exited; see ${service.log}`);
        await tool("kubectl", ["get", "--raw", "/readyz"], service);
        return true;
      },
      90_000,
      250,
    );
  };
  t.after(async () => {
    await kill();
    log.end();
    await deletePrefix(shared.etcd, prefix).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  await start();
  return { service, start, kill };
}
