// The CRD files in crds/ are exactly what src/operator/schema.ts renders: the types and the CRDs cannot drift.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { renderCrdFiles } from "../../../src/operator/index.ts";
import { GovernanceServerSpec, PolicyBundleSpec } from "../../../src/operator/schema.ts";

const CRDS = new URL("../../../crds/", import.meta.url);

test("crds: the files in crds/ are what the TypeScript schemas render (run `npm run gen:crds` after a change)", async () => {
  const rendered = renderCrdFiles();
  const onDisk = (await readdir(CRDS)).filter((f) => f.startsWith("governance.parmana.io_")).sort();
  assert.deepEqual(onDisk, Object.keys(rendered).sort());
  for (const [name, text] of Object.entries(rendered)) {
    assert.equal(await readFile(new URL(name, CRDS), "utf8"), text, `crds/${name} is stale`);
    for (const dir of ["deploy/crds", "charts/parmana-operator/files/crds"]) {
      const copy = new URL(`../../../${dir}/${name}`, import.meta.url);
      assert.equal(await readFile(copy, "utf8"), text, `${dir}/${name} is stale`);
    }
  }
});

test("crds: the structural schema in the CRD accepts and rejects the same specs as the TypeScript type's schema", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const crd = (file: string): object => {
    const doc = parse(renderCrdFiles()[file] ?? "") as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: object } } } }[] };
    };
    return doc.spec.versions[0]?.schema.openAPIV3Schema.properties.spec ?? {};
  };
  const pbCrd = ajv.compile(crd("governance.parmana.io_policybundles.yaml"));
  const pbType = ajv.compile(PolicyBundleSpec);
  const pb = {
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    source: { configMapRef: { name: "loan" } },
    trust: { secretRef: { name: "signers" }, threshold: 1 },
  };
  for (const [spec, valid] of [
    [pb, true],
    [{ ...pb, policyVersion: "1.2" }, false],
    [{ ...pb, trust: { secretRef: { name: "Bad_Name" } } }, false],
    [
      { ...pb, source: { inline: { files: { "policy.json": "{}" }, manifest: "{}", signature: "{}" } } },
      true,
    ],
  ] as const) {
    assert.equal(pbCrd(spec), valid, JSON.stringify(spec));
    assert.equal(pbType(spec), valid, JSON.stringify(spec));
  }
  const gsCrd = ajv.compile(crd("governance.parmana.io_governanceservers.yaml"));
  const gsType = ajv.compile(GovernanceServerSpec);
  const gs = {
    bundleSelector: { matchLabels: { team: "risk" } },
    redis: { urlSecretRef: { name: "redis", key: "url" } },
    audit: { databaseUrlSecretRef: { name: "db", key: "url" } },
    signingKeySecretRef: { name: "signer" },
    apiKeysSecretRef: { name: "keys" },
  };
  for (const [spec, valid] of [
    [gs, true],
    [{ ...gs, replicas: -1 }, false],
    [{ ...gs, export: { kafka: { brokers: ["kafka:9092"], format: "xml" } } }, false],
    [{ ...gs, export: { kafka: { brokers: ["kafka:9092"], format: "ecs", minSeverity: "high" } } }, true],
  ] as const) {
    assert.equal(gsCrd(spec), valid, JSON.stringify(spec));
    assert.equal(gsType(spec), valid, JSON.stringify(spec));
  }
});

test("samples: deploy/samples are what deploy/examples render (run `npm run gen:samples` after a change)", async () => {
  const { renderSampleFiles } = await import("../../../src/operator/samples.ts");
  for (const [name, text] of Object.entries(renderSampleFiles()))
    assert.equal(
      await readFile(new URL(`../../../deploy/samples/${name}`, import.meta.url), "utf8"),
      text,
      `deploy/samples/${name} is stale`,
    );
});
