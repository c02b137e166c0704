// The community's manifest linters, kube-linter and kube-score (built by test/infra/up k8s), over everything
// the project ships or renders: the Helm chart (default and full values), deploy/ (kustomize), and the objects
// the operator renders for a GovernanceServer. Every finding is fixed or listed with its reason in
// .kube-linter.yaml / .kube-score.yaml, and every listed one still fires without its listing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { ResourceTypes } from "../../../src/operator/kube/index.ts";
import {
  renderBundleConfigMap,
  renderBundleSet,
  renderDeployment,
  renderPodDisruptionBudget,
  renderService,
  renderServiceAccount,
} from "../../../src/operator/render.ts";
import type { GovernanceServer } from "../../../src/operator/schema.ts";
import { tool } from "../../support/kube.ts";
import { kubernetesService } from "../../support/services.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const exec = promisify(execFile);

interface KubeScoreConfig {
  readonly ignoreTests: readonly { id: string; reason: string }[];
  readonly flags: readonly { flag: string; reason: string }[];
}

async function governanceServerObjects(): Promise<string> {
  const gs = parse(
    await readFile(join(root, "deploy/samples/governanceserver.yaml"), "utf8"),
  ) as GovernanceServer;
  const owned = { ...gs, metadata: { ...gs.metadata, uid: "00000000-0000-4000-8000-000000000001" } };
  const set = renderBundleSet([]);
  const typed = (type: { group: string; version: string; kind: string }, object: object): object => ({
    apiVersion: type.group === "" ? type.version : `${type.group}/${type.version}`,
    kind: type.kind,
    ...object,
  });
  return [
    typed(ResourceTypes.serviceAccount, renderServiceAccount(owned)),
    typed(ResourceTypes.service, renderService(owned)),
    typed(ResourceTypes.podDisruptionBudget, renderPodDisruptionBudget(owned)),
    typed(ResourceTypes.configMap, renderBundleConfigMap(owned, set)),
    typed(
      ResourceTypes.deployment,
      renderDeployment(owned, { set, secretsHash: "0".repeat(16), defaultImage: "parmana/parmana:0.1.0" }),
    ),
  ]
    .map((o) => stringify(o))
    .join("---\n");
}

/** Writes every manifest set to a file; returns the paths. */
async function manifests(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "parmana-lint-"));
  const chart = join(root, "charts/parmana-operator");
  const sets: [string, string][] = [
    [
      "chart-default.yaml",
      (await tool("helm", ["template", "parmana", chart, "-n", "parmana-system"])).stdout,
    ],
    [
      "chart-full-values.yaml",
      (
        await tool("helm", [
          "template",
          "parmana",
          chart,
          "-f",
          join(root, "test/fixtures/chart/full-values.yaml"),
        ])
      ).stdout,
    ],
    ["deploy.yaml", (await tool("kubectl", ["kustomize", join(root, "deploy")])).stdout],
    ["deploy-audit.yaml", (await tool("kubectl", ["kustomize", join(root, "deploy/audit")])).stdout],
    ["governanceserver-objects.yaml", await governanceServerObjects()],
  ];
  return Promise.all(
    sets.map(async ([name, text]) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    }),
  );
}

/** Runs a linter; a non-zero exit is how both report findings, so its output is returned either way. */
async function lint(binary: string, args: readonly string[]): Promise<string> {
  try {
    return (await exec(binary, [...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (stdout === undefined || stdout === "")
      throw new Error(`${binary} failed: ${stderr ?? String(error)}`, { cause: error });
    return stdout;
  }
}

interface KubeLinterReport {
  readonly Reports:
    | readonly {
        Check: string;
        Object: { K8sObject: { Name: string; GroupVersionKind: { Kind: string } } };
        Diagnostic: { Message: string };
      }[]
    | null;
}

async function kubeLinterFindings(files: readonly string[]): Promise<string[]> {
  const out = await lint(`${kubernetesService().bin}/kube-linter`, [
    "lint",
    "--config",
    ".kube-linter.yaml",
    "--format",
    "json",
    ...files,
  ]);
  return ((JSON.parse(out) as KubeLinterReport).Reports ?? []).map(
    (r) =>
      `${r.Check}: ${r.Object.K8sObject.GroupVersionKind.Kind}/${r.Object.K8sObject.Name}: ${r.Diagnostic.Message}`,
  );
}

interface KubeScoreObject {
  readonly object_name: string;
  readonly type_meta: { kind: string };
  readonly checks: readonly {
    check: { id: string };
    grade: number;
    skipped: boolean;
    comments: readonly { summary: string }[] | null;
  }[];
}

/** Failing checks (grade below OK) as "id: Kind/name: summary". */
async function kubeScoreFindings(files: readonly string[], args: readonly string[]): Promise<string[]> {
  const out = await lint(`${kubernetesService().bin}/kube-score`, [
    "score",
    "--output-format",
    "json",
    ...args,
    ...files,
  ]);
  return (JSON.parse(out) as KubeScoreObject[]).flatMap((o) =>
    o.checks
      .filter((c) => !c.skipped && c.grade < 10)
      .map(
        (c) =>
          `${c.check.id}: ${o.type_meta.kind}/${o.object_name}: ${(c.comments ?? []).map((m) => m.summary).join("; ")}`,
      ),
  );
}

async function kubeScoreConfig(): Promise<KubeScoreConfig> {
  return parse(await readFile(join(root, ".kube-score.yaml"), "utf8")) as KubeScoreConfig;
}

test("manifest-linters: kube-linter finds nothing in the chart, deploy/ or a GovernanceServer's objects", async () => {
  const files = await manifests();
  const exclusions = (
    parse(await readFile(join(root, ".kube-linter.yaml"), "utf8")) as { checks: { exclude: string[] } }
  ).checks.exclude;
  assert.deepEqual(
    exclusions,
    [],
    "no check is excluded (one that is needs its reason in .kube-linter.yaml)",
  );
  assert.deepEqual(await kubeLinterFindings(files), []);
});

test("manifest-linters: kube-score finds nothing beyond the checks .kube-score.yaml leaves out, each for a reason", async () => {
  const files = await manifests();
  const config = await kubeScoreConfig();
  for (const entry of [...config.ignoreTests, ...config.flags])
    assert.ok(entry.reason.trim().length > 40, `${JSON.stringify(entry)} says why`);
  const args = [
    ...config.ignoreTests.flatMap((t) => ["--ignore-test", t.id]),
    ...config.flags.map((f) => f.flag),
  ];
  assert.deepEqual(await kubeScoreFindings(files, args), []);

  // Each listing is still needed: without it, its check fails somewhere.
  const unlisted = await kubeScoreFindings(files, []);
  for (const { id } of config.ignoreTests)
    assert.ok(
      unlisted.some((f) => f.startsWith(`${id}:`)),
      `${id} is listed but never fires`,
    );
  assert.ok(
    unlisted.some((f) => f.startsWith("container-resources:") && /CPU limit/i.test(f)),
    "--ignore-container-cpu-limit is still needed",
  );
});
