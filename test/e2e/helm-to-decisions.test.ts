// End to end on a real node: `helm install` of the locally built image, the operator's pods running with one
// leader, the sample PolicyBundle and a GovernanceServer served by pods whose real probes decide readiness, the
// README's curl through the Service, a new bundle revision rolling the pods under load without one failed
// request, a deleted pod replaced, the container's confinement checked from inside it, and `helm uninstall`
// leaving only the kept CRDs. Runs inside the node's network namespace (bash scripts/test.sh e2e).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { ResourceTypes, type KubeClient, type KubeObject } from "../../src/operator/index.ts";
import { examplePolicy, makeBundle, newSigningKey } from "../support/bundles.ts";
import { eventually, kubeConfig, testNamespace, tool } from "../support/kube.ts";
import { containerLog, execInContainer, requireNodeNamespace } from "../support/node.ts";
import {
  applyObject,
  applyPolicyBundle,
  condition,
  governanceServer,
  policyBundle,
  serverSecrets,
  testClient,
  trustSecret,
  verifiedState,
} from "../support/operator.ts";
import { nodeService } from "../support/services.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const CHART = join(root, "charts/parmana-operator");
const node = nodeService();
const onTheNode = {
  nodeSelector: { [node.taint]: "true" },
  tolerations: [{ key: node.taint, operator: "Exists", effect: "NoSchedule" }],
};
const version = (JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string })
  .version;

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; containerID?: string; ready: boolean; restartCount: number }[];
  };
}

async function kubectlJson<T>(...args: string[]): Promise<T> {
  const { stdout } = await tool("kubectl", [...args, "-o", "json"]);
  return JSON.parse(stdout) as T;
}

async function pods(namespace: string, selector: string): Promise<PodJson[]> {
  return (await kubectlJson<{ items: PodJson[] }>("get", "pods", "-n", namespace, "-l", selector)).items;
}

const ready = (pod: PodJson): boolean =>
  pod.metadata.deletionTimestamp === undefined &&
  pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** Waits until exactly `count` pods match, all Ready on the real node; returns them. */
function readyPods(namespace: string, selector: string, count: number, what: string): Promise<PodJson[]> {
  return eventually(
    `${String(count)} ${what} pods Ready on ${node.name}`,
    async () => {
      const list = await pods(namespace, selector);
      const live = list.filter((p) => p.metadata.deletionTimestamp === undefined);
      return live.length === count && live.every((p) => ready(p) && p.spec.nodeName === node.name)
        ? live
        : undefined;
    },
    180_000,
    500,
  );
}

/** Existing CRDs (from the integration tier) are labelled for Helm to adopt, as Helm documents. */
async function letHelmAdoptCrds(release: string, namespace: string): Promise<void> {
  for (const crd of ["policybundles.governance.parmana.io", "governanceservers.governance.parmana.io"]) {
    const { stdout } = await tool("kubectl", ["get", "crd", crd, "--ignore-not-found", "-o", "name"]);
    if (stdout.trim() === "") continue;
    await tool("kubectl", ["label", "--overwrite", "crd", crd, "app.kubernetes.io/managed-by=Helm"]);
    await tool("kubectl", [
      "annotate",
      "--overwrite",
      "crd",
      crd,
      `meta.helm.sh/release-name=${release}`,
      `meta.helm.sh/release-namespace=${namespace}`,
    ]);
  }
}

async function applySample(client: KubeClient, file: string, namespace: string): Promise<void> {
  for (const doc of parseAllDocuments(await readFile(join(root, "deploy/samples", file), "utf8"))) {
    const object = doc.toJSON() as KubeObject & { kind: string };
    const type = Object.values(ResourceTypes).find((t) => t.kind === object.kind);
    assert.ok(type, object.kind);
    await applyObject(client, type, { ...object, metadata: { ...object.metadata, namespace } });
  }
}

/** A fresh audit database on the node's Postgres, dropped afterwards. */
async function auditDatabase(t: TestContext): Promise<string> {
  const name = `e2e_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: node.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  t.after(async () => {
    const c = new pg.Client({ connectionString: node.databaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(node.databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Decision {
  status: string;
  attestation?: {
    bundleHash: string;
    policyVersion: string;
    executionId: string;
    decision: { action: string };
  };
}

/** The README's /execute example, with an executionId of its own (Redis outlives one run). */
function readmeExecute(executionId: string): Record<string, unknown> {
  return {
    executionId,
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    signals: { credit_score: 720, country: "US", flagged: false, amount: 1000 },
  };
}

/** Calls /execute in a loop (two connections' worth, keep-alive) until stopped; records every outcome. */
function keepCalling(url: string, apiKey: string) {
  const outcomes: { ok: boolean; status: number; detail: string; decision?: Decision }[] = [];
  let running = true;
  const worker = async (id: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const body = readmeExecute(`e2e-roll-${String(id)}-${String(i)}-${randomBytes(4).toString("hex")}`);
      try {
        const response = await fetch(`${url}/execute`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        outcomes.push(
          response.status === 200
            ? { ok: true, status: 200, detail: "", decision: JSON.parse(text) as Decision }
            : { ok: false, status: response.status, detail: text.slice(0, 300) },
        );
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        outcomes.push({ ok: false, status: 0, detail: cause });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const workers = [worker(0), worker(1)];
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

test("e2e: helm install to serving decisions on a real node, a rolling bundle update under load, and a clean uninstall", async (t) => {
  await requireNodeNamespace(node);
  const kc = kubeConfig();
  const client = testClient();
  const system = await testNamespace(t, kc, "e2e-system");
  const ns = await testNamespace(t, kc, "e2e-risk");
  const release = `e2e${randomBytes(3).toString("hex")}`;
  const work = await mkdtemp(join(tmpdir(), "parmana-e2e-"));
  t.after(() => rm(work, { recursive: true, force: true }));

  await t.test("helm install with the locally built image: operator pods Running, one leader", async () => {
    await letHelmAdoptCrds(release, system);
    const values = join(work, "values.yaml");
    await writeFile(
      values,
      JSON.stringify({
        image: { repository: "parmana/parmana", tag: version, pullPolicy: "Never" },
        watchNamespace: ns,
        leaderElection: { enabled: true, leaseDurationSeconds: 15 },
        ...onTheNode,
      }),
    );
    await tool("helm", [
      "install",
      release,
      CHART,
      "-n",
      system,
      "-f",
      values,
      "--wait",
      "--timeout",
      "180s",
    ]);
    const operators = await readyPods(system, `app.kubernetes.io/instance=${release}`, 2, "operator");
    const holder = await eventually(
      "the operator Lease to have a holder",
      async () => {
        const lease = await kubectlJson<{ spec: { holderIdentity?: string } }>(
          "get",
          "lease",
          "parmana-operator",
          "-n",
          system,
        );
        return lease.spec.holderIdentity;
      },
      60_000,
    );
    // The operator's identity is its pod name and a suffix of its own.
    const names = operators.map((p) => p.metadata.name);
    assert.ok(
      names.some((name) => holder.startsWith(`${name}-`)),
      `the Lease holder ${holder} is one of the operator pods ${names.join(", ")}`,
    );
  });

  await t.test(
    "the leader's pod deleted: it stops on SIGTERM, releases the Lease, the other pod leads",
    async (t) => {
      const operators = await readyPods(system, `app.kubernetes.io/instance=${release}`, 2, "operator");
      const holderNow = async (): Promise<string | undefined> =>
        (
          await kubectlJson<{ spec: { holderIdentity?: string } }>(
            "get",
            "lease",
            "parmana-operator",
            "-n",
            system,
          )
        ).spec.holderIdentity;
      const holder = await holderNow();
      const leader = operators.find((p) => holder?.startsWith(`${p.metadata.name}-`) === true);
      assert.ok(leader, `the holder ${String(holder)} is an operator pod`);
      const started = Date.now();
      await tool("kubectl", [
        "delete",
        "pod",
        leader.metadata.name,
        "-n",
        system,
        "--wait",
        "--timeout",
        "120s",
      ]);
      const seconds = (Date.now() - started) / 1000;
      const grace = leader.spec.terminationGracePeriodSeconds ?? 30;
      assert.ok(
        seconds < grace,
        `the operator took ${seconds.toFixed(1)} s to stop: SIGTERM was not handled`,
      );
      const next = await eventually(
        "the other operator pod to hold the Lease",
        async () => {
          const now = await holderNow();
          return now !== undefined && now !== "" && !now.startsWith(`${leader.metadata.name}-`)
            ? now
            : undefined;
        },
        30_000,
      );
      t.diagnostic(
        `leader stopped in ${seconds.toFixed(1)} s; ${next} leads ${((Date.now() - started) / 1000).toFixed(1)} s after the delete`,
      );
      await readyPods(system, `app.kubernetes.io/instance=${release}`, 2, "operator");
    },
  );

  const apiKey = randomBytes(24).toString("base64url");
  let serviceUrl = "";
  const selector = `app.kubernetes.io/instance=risk-gov`;

  await t.test(
    "the sample PolicyBundle and a GovernanceServer: its pods Ready by their real probes",
    async (step) => {
      await applySample(client, "policybundle.yaml", ns);
      await verifiedState(client, ns, "loan-approval-1-2-0", "True", 60_000);
      const sha = createHash("sha256").update(apiKey).digest("hex");
      await serverSecrets(
        client,
        ns,
        `- id: e2e\n  sha256: "${sha}"\n  scopes: [execute, verify, audit:read]\n`,
        {
          redis: node.redisUrl,
          database: await auditDatabase(t),
        },
      );
      // The sample GovernanceServer, on the real node, without its Kafka export (no broker runs in the cluster)
      // and with a rate limit the load below stays under.
      const [sample] = parseAllDocuments(
        await readFile(join(root, "deploy/samples/governanceserver.yaml"), "utf8"),
      ).map((d) => d.toJSON() as KubeObject & { spec: Record<string, unknown> });
      assert.ok(sample);
      const { export: _kafka, ...spec } = sample.spec;
      await applyObject(client, ResourceTypes.governanceServer, {
        ...sample,
        metadata: { ...sample.metadata, namespace: ns },
        spec: { ...spec, rateLimits: { executePerMinute: 1_000_000 }, podTemplate: onTheNode },
      });
      const servers = await readyPods(ns, selector, 2, "governance server");
      for (const pod of servers) {
        const detail = await kubectlJson<{
          status: {
            conditions: { type: string; lastTransitionTime: string }[];
            containerStatuses: { state: { running?: { startedAt: string } } }[];
          };
        }>("get", "pod", pod.metadata.name, "-n", ns);
        const startedAt = detail.status.containerStatuses[0]?.state.running?.startedAt;
        const readyAt = detail.status.conditions.find((c) => c.type === "Ready")?.lastTransitionTime;
        // The server's own start, from its log: the kubelet stamps each line when it was written.
        const lines = (await containerLog(ns, pod.metadata.name, "server")).split("\n");
        const stamp = (line: string | undefined): number => Date.parse(line?.split(" ")[0] ?? "");
        const listening = lines.find((l) => l.includes('"msg":"parmana server listening"'));
        if (startedAt !== undefined && readyAt !== undefined)
          step.diagnostic(
            `${pod.metadata.name}: first log line ${String(stamp(lines[0]) - Date.parse(startedAt))} ms and ` +
              `listening ${String(stamp(listening) - Date.parse(startedAt))} ms after its container started ` +
              `(1-s resolution); Ready ${String((Date.parse(readyAt) - Date.parse(startedAt)) / 1000)} s after`,
          );
      }
      await eventually("GovernanceServer risk-gov Ready", async () =>
        condition(await governanceServer(client, ns, "risk-gov"), "Ready")?.status === "True"
          ? true
          : undefined,
      );
      const svc = await kubectlJson<{ spec: { clusterIP: string } }>("get", "service", "risk-gov", "-n", ns);
      serviceUrl = `http://${svc.spec.clusterIP}:3000`;
    },
  );

  await t.test("the README's curl and an /execute through the Service", async () => {
    const { stdout } = await run("curl", [
      "-s",
      "-X",
      "POST",
      `${serviceUrl}/execute`,
      "-H",
      `Authorization: Bearer ${apiKey}`,
      "-H",
      "Content-Type: application/json",
      "-d",
      JSON.stringify(readmeExecute(`loan-1-${randomBytes(4).toString("hex")}`)),
    ]);
    const decision = JSON.parse(stdout) as Decision;
    assert.equal(decision.status, "completed", stdout);
    assert.equal(decision.attestation?.decision.action, "approve", stdout);
    const pb = await policyBundle(client, ns, "loan-approval-1-2-0");
    assert.equal(decision.attestation.bundleHash, pb?.status?.bundleHash);
    const health = await fetch(`${serviceUrl}/health/ready`);
    assert.equal(health.status, 200);
  });

  await t.test(
    "a new bundle revision rolls the pods while a client keeps calling: zero failed requests",
    async (t) => {
      const before = (await pods(ns, selector)).map((p) => p.metadata.name);
      const key = newSigningKey();
      await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers-2", [key]));
      const bundle = await makeBundle(t, {
        key,
        policy: { ...(await examplePolicy()), policyVersion: "1.3.0" },
      });
      const load = keepCalling(serviceUrl, apiKey);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        await applyPolicyBundle(client, ns, "loan-approval-1-3-0", bundle.dir, "signers-2");
        await verifiedState(client, ns, "loan-approval-1-3-0", "True", 60_000);
        await eventually(
          "every governance server pod replaced by one serving both bundles",
          async () => {
            const now = await pods(ns, selector);
            const gs = await governanceServer(client, ns, "risk-gov");
            return now.length === 2 &&
              now.every((p) => ready(p) && !before.includes(p.metadata.name)) &&
              gs?.status?.activeBundles?.length === 2
              ? true
              : undefined;
          },
          240_000,
          500,
        );
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      } finally {
        await load.stop();
      }
      const failed = load.outcomes.filter((o) => !o.ok);
      assert.deepEqual(
        failed.slice(0, 10),
        [],
        `${String(failed.length)} of ${String(load.outcomes.length)} failed`,
      );
      assert.ok(load.outcomes.length >= 50, `only ${String(load.outcomes.length)} requests were made`);
      const verified = new Set<string>();
      for (const name of ["loan-approval-1-2-0", "loan-approval-1-3-0"]) {
        const hash = (await policyBundle(client, ns, name))?.status?.bundleHash;
        if (hash !== undefined) verified.add(hash);
      }
      for (const o of load.outcomes)
        assert.ok(
          verified.has(o.decision?.attestation?.bundleHash ?? ""),
          "every attestation names a verified bundle",
        );
      t.diagnostic(`${String(load.outcomes.length)} decisions during the roll, none failed`);
    },
  );

  await t.test(
    "a deleted pod is replaced; the server, PID 1, exits on SIGTERM well within its grace",
    async (t) => {
      const [victim] = await readyPods(ns, selector, 2, "governance server");
      assert.ok(victim);
      const grace = victim.spec.terminationGracePeriodSeconds ?? 30;
      // The kubelet removes a pod's log files with the pod: read them while it stops.
      let log = "";
      const stopped = { yes: false };
      const reading = (async () => {
        while (!stopped.yes) {
          log = (await containerLog(ns, victim.metadata.name, "server").catch(() => "")) || log;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const started = Date.now();
      try {
        await tool("kubectl", [
          "delete",
          "pod",
          victim.metadata.name,
          "-n",
          ns,
          "--wait",
          "--timeout",
          "120s",
        ]);
      } finally {
        stopped.yes = true;
        await reading;
      }
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`pod deleted in ${seconds.toFixed(1)} s (grace ${String(grace)} s)`);
      assert.ok(seconds < grace, `the pod took ${seconds.toFixed(1)} s to stop: SIGTERM was not handled`);
      assert.match(
        log,
        /"msg":"shutting down".*"signal":"SIGTERM"|"signal":"SIGTERM".*"msg":"shutting down"/,
      );
      const after = await readyPods(ns, selector, 2, "governance server");
      assert.ok(!after.some((p) => p.metadata.name === victim.metadata.name));
    },
  );

  await t.test(
    "inside the container: uid 10001, read-only root, no token, Secrets for the process only",
    async () => {
      const [pod] = await readyPods(ns, selector, 2, "governance server");
      const containerId = pod?.status.containerStatuses?.find((c) => c.name === "server")?.containerID;
      assert.ok(pod && containerId, "a running server container");
      const probe = `
      const fs = require("node:fs");
      const tryWrite = (p) => { try { fs.writeFileSync(p, "x"); return "written"; } catch (e) { return e.code; } };
      const tryRead = (p) => { try { fs.readFileSync(p); return "read"; } catch (e) { return e.code; } };
      const files = [process.env.PARMANA_SIGNING_PRIVATE_KEY_PATH, process.env.PARMANA_API_KEYS_FILE];
      const pid1 = fs.readFileSync("/proc/1/cmdline", "utf8").split("\\0").filter(Boolean);
      console.log(JSON.stringify({
        uid: process.getuid(), gid: process.getgid(), pid1,
        root: tryWrite("/e2e-probe"), app: tryWrite("/app/e2e-probe"), tmp: tryWrite("/tmp/e2e-probe"),
        token: fs.existsSync("/var/run/secrets/kubernetes.io/serviceaccount"),
        secrets: files.map((f) => ({ f, read: tryRead(f), mode: (fs.statSync(f).mode & 0o777).toString(8) })),
      }));`;
      // ctr exec runs the probe with the container's own process spec: its user, environment and mounts.
      const asServer = await execInContainer(containerId, ["node", "-e", probe]);
      assert.equal(asServer.code, 0, asServer.stderr);
      const seen = JSON.parse(asServer.stdout) as {
        uid: number;
        gid: number;
        pid1: string[];
        root: string;
        app: string;
        tmp: string;
        token: boolean;
        secrets: { f: string; read: string; mode: string }[];
      };
      assert.equal(seen.uid, 10001);
      assert.equal(seen.gid, 10001);
      assert.deepEqual(seen.pid1.slice(0, 3), ["node", "/app/bin/parmana.js", "server"]);
      assert.equal(seen.root, "EROFS", "the root filesystem is read-only");
      assert.equal(seen.app, "EROFS");
      assert.equal(seen.tmp, "written", "/tmp is the writable emptyDir");
      assert.equal(seen.token, false, "no service-account token is mounted");
      assert.equal(seen.secrets.length, 2);
      for (const s of seen.secrets) {
        assert.equal(s.read, "read", `${s.f} is readable by the server`);
        assert.equal(
          Number.parseInt(s.mode, 8) & 0o007,
          0,
          `${s.f} (mode ${s.mode}) is not readable by others`,
        );
      }
      // Another user in the same container is refused the Secrets.
      const stranger = await execInContainer(containerId, ["node", "-e", probe], { user: "20002:20002" });
      assert.equal(stranger.code, 0, stranger.stderr);
      const strangerSaw = JSON.parse(stranger.stdout) as typeof seen;
      for (const s of strangerSaw.secrets) assert.equal(s.read, "EACCES", `${s.f} is refused to uid 20002`);
      // And on the node, the kubelet's copy of a Secret volume belongs to root with the pod's fsGroup.
      const onNode = await stat(
        join(
          node.logs,
          "kubelet/pods",
          pod.metadata.uid,
          "volumes/kubernetes.io~secret/signing-key/private.pem",
        ),
      );
      assert.equal(onNode.gid, 10001);
      assert.equal(onNode.mode & 0o007, 0);
    },
  );

  await t.test("helm uninstall leaves nothing behind but the kept CRDs", async () => {
    await tool("kubectl", ["delete", "namespace", ns, "--wait", "--timeout", "180s"]);
    await tool("helm", ["uninstall", release, "-n", system, "--wait", "--timeout", "120s"]);
    const selectorOf = `app.kubernetes.io/instance=${release}`;
    await eventually("the operator pods gone from the node", async () =>
      (await pods(system, selectorOf)).length === 0 ? true : undefined,
    );
    const { stdout: left } = await tool("kubectl", [
      "get",
      "deployments,replicasets,pods,services,serviceaccounts,configmaps,secrets,roles,rolebindings,leases,poddisruptionbudgets",
      "-n",
      system,
      "-l",
      selectorOf,
      "-o",
      "name",
    ]);
    assert.equal(left.trim(), "", "nothing of the release is left in its namespace");
    const { stdout: cluster } = await tool("kubectl", [
      "get",
      "clusterroles,clusterrolebindings",
      "-l",
      selectorOf,
      "-o",
      "name",
    ]);
    assert.equal(cluster.trim(), "", "no cluster-wide RBAC is left");
    const { stdout: crds } = await tool("kubectl", ["get", "crd", "-o", "name"]);
    assert.match(crds, /policybundles\.governance\.parmana\.io/);
    assert.match(crds, /governanceservers\.governance\.parmana\.io/);
  });
});
