// bench/operator: time from applying a PolicyBundle to Verified=True for 200 bundles applied at once, and
// from applying a new verified revision to the GovernanceServer's Deployment carrying the new bundle set,
// against the real test control plane. Run: npm run bench:operator (starts it through test/infra first).
import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { buildBundleDirectory } from "../../src/bundle/index.ts";
import { generateSigningKeyPair, parseSigningKey } from "../../src/crypto/index.ts";
import { KubeClient, Operator, ResourceTypes, type KubeObject } from "../../src/operator/index.ts";
import { ANNOTATION_BUNDLE_SET } from "../../src/operator/render.ts";
import { tool } from "../../test/support/kube.ts";
import {
  bundleFileMap,
  governanceServerObject,
  installCrds,
  policyBundleObject,
  serverSecrets,
  trustSecret,
} from "../../test/support/operator.ts";
import { kubernetesService } from "../../test/support/services.ts";

const BUNDLES = Number(process.env["BENCH_BUNDLES"] ?? 200);
const ROLLS = Number(process.env["BENCH_ROLLS"] ?? 20);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

await installCrds();
const client = KubeClient.load(kubernetesService().kubeconfig, { fieldManager: "parmana-bench" });
const ns = `bench-${randomBytes(3).toString("hex")}`;
await tool("kubectl", ["create", "namespace", ns]);
const work = await mkdtemp(join(tmpdir(), "parmana-bench-operator-"));
const operator = new Operator({
  client,
  logger: pino({ level: "silent" }),
  namespace: ns,
  leaderElection: false,
  defaultImage: "parmana/parmana:bench",
});
try {
  await operator.start();
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const policy = JSON.parse(
    await readFile(
      new URL("../../deploy/examples/policies/loan-approval/1.2.0/policy.json", import.meta.url),
      "utf8",
    ),
  ) as Record<string, unknown>;
  const dir = join(work, "loan-approval", "1.2.0");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "policy.json"), JSON.stringify(policy));
  await buildBundleDirectory(dir, key, { revision: 1 });
  await client.apply(ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  const files = await bundleFileMap(dir);

  // 1. 200 bundles applied at once: apply → Verified=True.
  const applied = new Map<string, number>();
  const verified = new Map<string, number>();
  await Promise.all(
    Array.from({ length: BUNDLES }, async (_, i) => {
      const name = `bundle-${String(i)}`;
      applied.set(name, performance.now());
      await client.apply(
        ResourceTypes.policyBundle,
        policyBundleObject(ns, name, files, { trustSecret: "signers" }),
      );
    }),
  );
  while (verified.size < BUNDLES) {
    const list = await client.list<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >(ResourceTypes.policyBundle, ns);
    const now = performance.now();
    for (const pb of list.items)
      if (
        !verified.has(pb.metadata.name) &&
        pb.status?.conditions?.some((c) => c.type === "Verified" && c.status === "True")
      )
        verified.set(pb.metadata.name, now);
    await sleep(20);
  }
  const verifyMs = [...verified].map(([name, at]) => at - (applied.get(name) ?? at));

  // 2. A GovernanceServer on one bundle: new verified revision → Deployment on the new set.
  await serverSecrets(client, ns);
  await client.apply(
    ResourceTypes.policyBundle,
    policyBundleObject(ns, "served", files, { trustSecret: "signers", labels: { team: "risk" } }),
  );
  await client.apply(ResourceTypes.governanceServer, governanceServerObject(ns, "risk-gov", 1));
  const setOf = async (): Promise<string | undefined> =>
    (
      await client.get<
        KubeObject & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }
      >(ResourceTypes.deployment, ns, "risk-gov")
    )?.spec.template.metadata.annotations?.[ANNOTATION_BUNDLE_SET];
  while ((await setOf()) === undefined) await sleep(50);
  const rollMs: number[] = [];
  for (let revision = 2; revision < 2 + ROLLS; revision++) {
    const before = await setOf();
    await buildBundleDirectory(dir, key, { revision });
    const next = await bundleFileMap(dir);
    const started = performance.now();
    await client.apply(
      ResourceTypes.policyBundle,
      policyBundleObject(ns, "served", next, { trustSecret: "signers", labels: { team: "risk" } }),
    );
    while ((await setOf()) === before) await sleep(10);
    rollMs.push(performance.now() - started);
  }

  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; kube-apiserver 1.34 + etcd 3.6 on this machine; operator in the bench process (concurrency 4).\n`,
  );
  console.log("| measurement | n | p50 ms | p99 ms | max ms |");
  console.log("|---|---:|---:|---:|---:|");
  const row = (what: string, v: number[]): void => {
    console.log(
      `| ${what} | ${String(v.length)} | ${percentile(v, 50).toFixed(0)} | ${percentile(v, 99).toFixed(0)} | ${Math.max(...v).toFixed(0)} |`,
    );
  };
  row(`kubectl apply → Verified=True (${String(BUNDLES)} bundles applied at once)`, verifyMs);
  row("new verified revision applied → Deployment on the new bundle set", rollMs);
} finally {
  await operator.stop();
  await tool("kubectl", ["delete", "namespace", ns, "--wait=false"]);
  await rm(work, { recursive: true, force: true });
}
