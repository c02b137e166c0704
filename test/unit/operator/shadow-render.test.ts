// A PolicyBundle with spec.shadowOf reaches the pods as PARMANA_SHADOW_BUNDLES — parsed by the server's own
// configuration loader — and is part of the bundle-set hash, so adding or dropping a shadow rolls the pods.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { renderBundleSet, renderDeployment, type SelectedBundle } from "../../../src/operator/render.ts";
import type { GovernanceServer } from "../../../src/operator/schema.ts";
import { loadServerConfig } from "../../../src/server/index.ts";

const sample = parse(
  readFileSync(new URL("../../../deploy/samples/governanceserver.yaml", import.meta.url), "utf8"),
) as GovernanceServer;
const gs = { ...sample, metadata: { ...sample.metadata, uid: "u-1" } };

const bundle = (policyVersion: string, shadowOf?: string): SelectedBundle => ({
  name: `loan-${policyVersion}`,
  policyId: "loan-approval",
  policyVersion,
  bundleHash: `sha256:${policyVersion}`,
  revision: 1,
  ...(shadowOf !== undefined && { shadowOf }),
  files: new Map([["policy.json", Buffer.from("{}")]]),
  trustKeys: new Map(),
});

function env(set: ReturnType<typeof renderBundleSet>): Record<string, string> {
  const d = renderDeployment(gs, { set, secretsHash: "def", defaultImage: "parmana/parmana:test" });
  return Object.fromEntries(
    (d.spec?.template.spec?.containers[0]?.env ?? []).flatMap((e) =>
      e.value === undefined ? [] : [[e.name, e.value]],
    ),
  );
}

test("shadow-render: spec.shadowOf becomes PARMANA_SHADOW_BUNDLES, which the server parses; it changes the set hash", () => {
  const plain = renderBundleSet([bundle("1.2.0"), bundle("1.3.0")]);
  const shadowed = renderBundleSet([bundle("1.2.0"), bundle("1.3.0", "1.2.0")]);
  assert.equal(env(plain)["PARMANA_SHADOW_BUNDLES"], undefined);
  const vars = env(shadowed);
  assert.equal(vars["PARMANA_SHADOW_BUNDLES"], "loan-approval/1.3.0=1.2.0");
  assert.deepEqual(loadServerConfig(vars).shadowBundles, [
    { policyId: "loan-approval", shadowVersion: "1.3.0", enforcedVersion: "1.2.0" },
  ]);
  assert.notEqual(plain.hash, shadowed.hash, "adding a shadow rolls the pods");
  assert.deepEqual(
    shadowed.active.map((b) => b.shadowOf),
    [undefined, "1.2.0"],
  );
});

test("shadow-render: the server refuses a malformed PARMANA_SHADOW_BUNDLES with the entry named", () => {
  for (const [value, message] of [
    ["loan-approval/1.3.0", /must be <policyId>\/<shadow version>=<enforced version>/],
    ["loan-approval/1.3.0=1.3.0", /cannot shadow itself/],
    ["loan-approval/1.3.0=1.2.0,loan-approval/1.3.0=1.1.0", /names loan-approval\/1\.3\.0 twice/],
  ] as const)
    assert.throws(() => loadServerConfig({ PARMANA_SHADOW_BUNDLES: value }), message);
});
