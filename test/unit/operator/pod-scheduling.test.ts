// A GovernanceServer's pods spread across nodes and zones by default, take the scheduling fields a user sets,
// and its PodDisruptionBudget never blocks a drain while Redis makes every pod unready.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { renderDeployment, renderPodDisruptionBudget } from "../../../src/operator/render.ts";
import type { GovernanceServer, GovernanceServerSpec } from "../../../src/operator/schema.ts";

const sample = parse(
  readFileSync(new URL("../../../deploy/samples/governanceserver.yaml", import.meta.url), "utf8"),
) as GovernanceServer;
const input = {
  set: { hash: "abc", active: [], data: {}, items: [] },
  secretsHash: "def",
  defaultImage: "parmana/parmana:test",
};

type PodSpec = Record<string, unknown> & {
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; labelSelector: unknown }[];
  containers: { resources: unknown }[];
};
function podOf(spec: Partial<GovernanceServerSpec>): { spec: PodSpec; labels: Record<string, string> } {
  const gs = { ...sample, metadata: { ...sample.metadata, uid: "u-1" }, spec: { ...sample.spec, ...spec } };
  const deployment = renderDeployment(gs, input) as unknown as {
    spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
  };
  return { spec: deployment.spec.template.spec, labels: deployment.spec.template.metadata.labels };
}

test("pod-scheduling: replicas > 1 spread across nodes (required) and zones (preferred) by default", () => {
  const { spec } = podOf({ replicas: 3 });
  const spread = spec.topologySpreadConstraints ?? [];
  assert.deepEqual(
    spread.map((c) => [c.topologyKey, c.whenUnsatisfiable]),
    [
      ["kubernetes.io/hostname", "DoNotSchedule"],
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
    ],
  );
  for (const c of spread) {
    assert.deepEqual(c.labelSelector, {
      matchLabels: {
        "app.kubernetes.io/name": "parmana-governance-server",
        "app.kubernetes.io/instance": "risk-gov",
      },
    });
    assert.equal(
      (c as Record<string, unknown>)["nodeTaintsPolicy"],
      "Honor",
      "cordoned nodes are not domains",
    );
  }
  assert.equal(
    podOf({ replicas: 1 }).spec.topologySpreadConstraints,
    undefined,
    "one replica has nothing to spread",
  );
});

test("pod-scheduling: the user's affinity, spread, priority, labels and resources are used; [] turns the spread off", () => {
  const mine = [{ maxSkew: 2, topologyKey: "rack", whenUnsatisfiable: "DoNotSchedule", labelSelector: {} }];
  const affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
  };
  const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } };
  const { spec, labels } = podOf({
    podTemplate: {
      topologySpreadConstraints: mine,
      affinity,
      priorityClassName: "payments-critical",
      resources,
      labels: { team: "risk", "app.kubernetes.io/instance": "spoofed" },
    },
  });
  assert.deepEqual(spec.topologySpreadConstraints, mine);
  assert.deepEqual(spec["affinity"], affinity);
  assert.equal(spec["priorityClassName"], "payments-critical");
  assert.deepEqual(spec.containers[0]?.resources, resources);
  assert.equal(labels["team"], "risk");
  assert.equal(labels["app.kubernetes.io/instance"], "risk-gov", "the operator's selector labels win");
  assert.equal(
    podOf({ podTemplate: { topologySpreadConstraints: [] } }).spec.topologySpreadConstraints,
    undefined,
  );
});

test("pod-scheduling: container resources default to requests and a memory limit; the older spec.resources still works", () => {
  assert.deepEqual(podOf({}).spec.containers[0]?.resources, {
    requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
    limits: { memory: "512Mi", "ephemeral-storage": "256Mi" },
  });
  const old = { requests: { cpu: "200m" } };
  assert.deepEqual(podOf({ resources: old }).spec.containers[0]?.resources, old);
  const both = podOf({ resources: old, podTemplate: { resources: { requests: { cpu: "300m" } } } });
  assert.deepEqual(both.spec.containers[0]?.resources, { requests: { cpu: "300m" } }, "podTemplate wins");
});

test("pod-scheduling: the PodDisruptionBudget lets unready pods be evicted (a Redis outage never blocks a drain)", () => {
  const pdb = renderPodDisruptionBudget({
    ...sample,
    metadata: { ...sample.metadata, uid: "u-1" },
  }) as unknown as { spec: Record<string, unknown> };
  assert.equal(pdb.spec["unhealthyPodEvictionPolicy"], "AlwaysAllow");
  assert.equal(pdb.spec["maxUnavailable"], 1);
});

test("render: audit retention and the replay window reach the server as its variables, only when set", () => {
  const env = (audit: Partial<GovernanceServerSpec["audit"]>): Record<string, unknown> => {
    const { spec } = podOf({ audit: { ...sample.spec.audit, ...audit } });
    const container = (spec["containers"] as unknown as { env: { name: string; value?: string }[] }[])[0];
    return Object.fromEntries(
      (container?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
  };
  const set = env({ retention: { apiAccessDays: 7, decisionsDays: 400 }, replayRetentionSeconds: 900 });
  assert.equal(set["PARMANA_AUDIT_RETENTION_API_ACCESS_DAYS"], "7");
  assert.equal(set["PARMANA_AUDIT_RETENTION_DECISIONS_DAYS"], "400");
  assert.equal(set["PARMANA_REPLAY_RETENTION_SECONDS"], "900");
  assert.equal(set["PARMANA_AUDIT_RETENTION_VERIFICATIONS_DAYS"], undefined, "unset: the server's default");
  assert.equal(env({})["PARMANA_REPLAY_RETENTION_SECONDS"], undefined);
});

test("render: the operator's retention defaults (Helm's governanceServerDefaults) fill what the spec leaves out", () => {
  const env = (retention?: GovernanceServerSpec["audit"]["retention"]): Record<string, unknown> => {
    const gs = {
      ...sample,
      metadata: { ...sample.metadata, uid: "u-1" },
      spec: { ...sample.spec, audit: { ...sample.spec.audit, ...(retention && { retention }) } },
    };
    const deployment = renderDeployment(gs, {
      ...input,
      auditRetentionDefaults: { apiAccessDays: 14, decisionsDays: 400 },
    }) as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    return Object.fromEntries(
      (deployment.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
  };
  const defaulted = env();
  assert.equal(defaulted["PARMANA_AUDIT_RETENTION_API_ACCESS_DAYS"], "14");
  assert.equal(defaulted["PARMANA_AUDIT_RETENTION_DECISIONS_DAYS"], "400");
  assert.equal(defaulted["PARMANA_AUDIT_RETENTION_VERIFICATIONS_DAYS"], undefined);
  const own = env({ apiAccessDays: 3 });
  assert.equal(own["PARMANA_AUDIT_RETENTION_API_ACCESS_DAYS"], "3", "the spec wins");
  assert.equal(own["PARMANA_AUDIT_RETENTION_DECISIONS_DAYS"], "400");
});

test("render: Sentinel's password, the Redis CA and replica durability reach the server as its variables and a mounted file", () => {
  const { spec } = podOf({
    redis: {
      urlSecretRef: { name: "redis", key: "url" },
      sentinelPasswordSecretRef: { name: "redis", key: "sentinel-password" },
      tls: { caSecretRef: { name: "redis-ca", key: "ca.crt" } },
      minReplicas: 2,
      waitMs: 250,
    },
  });
  const container = (
    spec["containers"] as unknown as {
      env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
      volumeMounts: { name: string; mountPath: string }[];
    }[]
  )[0];
  const env = Object.fromEntries(
    (container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]),
  );
  assert.deepEqual(env["REDIS_URL"], { name: "redis", key: "url" });
  assert.deepEqual(env["REDIS_SENTINEL_PASSWORD"], { name: "redis", key: "sentinel-password" });
  assert.equal(env["REDIS_TLS_CA_FILE"], "/etc/parmana/redis-ca/ca.crt");
  assert.equal(env["PARMANA_REPLAY_MIN_REPLICAS"], "2");
  assert.equal(env["PARMANA_REPLAY_WAIT_MS"], "250");
  assert.ok(
    container?.volumeMounts.some((m) => m.name === "redis-ca" && m.mountPath === "/etc/parmana/redis-ca"),
  );
  const volumes = spec["volumes"] as { name: string; secret?: { secretName: string } }[];
  assert.equal(volumes.find((v) => v.name === "redis-ca")?.secret?.secretName, "redis-ca");
  const plain = podOf({}).spec["containers"] as unknown as { env: { name: string }[] }[];
  assert.ok(
    !plain[0]?.env.some((e) => e.name.startsWith("PARMANA_REPLAY_MIN")),
    "unset: the server's default",
  );
});
