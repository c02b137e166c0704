// A GovernanceServer's pods stop without losing a request: the rendered environment gives the server a drain
// and a grace that the server's own configuration parser accepts, and the kubelet's SIGKILL comes only after
// both have run out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { renderDeployment } from "../../../src/operator/render.ts";
import type { GovernanceServer } from "../../../src/operator/schema.ts";
import { loadServerConfig } from "../../../src/server/index.ts";

const sample = parse(
  readFileSync(new URL("../../../deploy/samples/governanceserver.yaml", import.meta.url), "utf8"),
) as GovernanceServer;

test("pod-shutdown: pods drain, then get their grace, and terminationGracePeriodSeconds outlasts both", () => {
  const gs = { ...sample, metadata: { ...sample.metadata, uid: "u-1" } };
  const deployment = renderDeployment(gs, {
    set: { hash: "abc", active: [], data: {}, items: [] },
    secretsHash: "def",
    defaultImage: "parmana/parmana:test",
  }) as unknown as {
    spec: {
      template: {
        spec: {
          terminationGracePeriodSeconds?: number;
          containers: { env: { name: string; value?: string }[] }[];
        };
      };
    };
  };
  const pod = deployment.spec.template.spec;
  const env = Object.fromEntries(
    (pod.containers[0]?.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
  );
  const config = loadServerConfig(env);
  assert.ok(config.shutdownDrainMs >= 3_000, "long enough for endpoints and kube-proxy to move traffic away");
  assert.ok(config.shutdownGraceMs > 0);
  const kill = pod.terminationGracePeriodSeconds ?? 30;
  assert.ok(
    kill * 1_000 > config.shutdownDrainMs + config.shutdownGraceMs,
    `SIGKILL after ${String(kill)} s would cut a ${String(config.shutdownDrainMs)} ms drain + ${String(config.shutdownGraceMs)} ms grace`,
  );
});
