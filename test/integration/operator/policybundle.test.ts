// PolicyBundle verification by the operator against the real API server: the schema and CEL rules reject bad
// specs at admission; a signed bundle becomes Verified=True with its hash, revision and signers; each kind of
// tampering becomes Verified=False with its reason code, a Warning Event, a failure metric and an
// invalid_policy record in Kafka — and the last verified hash stays in status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { buildBundleDirectory } from "../../../src/bundle/index.ts";
import { KafkaSink } from "../../../src/export/index.ts";
import { KubeApiError, ResourceTypes } from "../../../src/operator/index.ts";
import { makeBundle, newSigningKey } from "../../support/bundles.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { eventually, kubeConfig, testNamespace } from "../../support/kube.ts";
import {
  applyObject,
  bundleFileMap,
  installCrds,
  policyBundleObject,
  startOperator,
  testClient,
  trustSecret,
  verifiedState,
} from "../../support/operator.ts";
import { kafkaService } from "../../support/services.ts";

test("operator CRDs: the API server rejects specs the schema and CEL rules forbid", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "crd");
  const client = testClient();
  const base = {
    policyId: "loan-approval",
    policyVersion: "1.2.0",
    trust: { secretRef: { name: "signers" } },
  };
  const rejected = async (spec: Record<string, unknown>, message: RegExp): Promise<void> => {
    await assert.rejects(
      client.create(ResourceTypes.policyBundle, {
        metadata: { name: `bad-${randomUUID().slice(0, 8)}`, namespace: ns },
        spec,
      }),
      (error: unknown) =>
        error instanceof KubeApiError && error.status === 422 && message.test(error.message),
    );
  };
  await rejected(
    {
      ...base,
      source: { configMapRef: { name: "a" }, inline: { files: {}, manifest: "{}", signature: "{}" } },
    },
    /exactly one of inline or configMapRef/,
  );
  await rejected({ ...base, source: {} }, /exactly one of inline or configMapRef/);
  await rejected({ ...base, policyVersion: "v1", source: { configMapRef: { name: "a" } } }, /policyVersion/);
  await rejected(
    { ...base, trust: { secretRef: { name: "s" }, threshold: 0 }, source: { configMapRef: { name: "a" } } },
    /threshold/,
  );
  await assert.rejects(
    client.create(ResourceTypes.governanceServer, {
      metadata: { name: "bad", namespace: ns },
      spec: { replicas: -1 },
    }),
    (error: unknown) => error instanceof KubeApiError && error.status === 422,
  );
  // policyId cannot change under a name (CEL transition rule).
  await client.create(ResourceTypes.policyBundle, {
    metadata: { name: "fixed", namespace: ns },
    spec: { ...base, source: { configMapRef: { name: "a" } } },
  });
  await assert.rejects(
    client.apply(ResourceTypes.policyBundle, {
      metadata: { name: "fixed", namespace: ns },
      spec: { ...base, policyId: "other", source: { configMapRef: { name: "a" } } },
    }),
    /policyId is immutable/,
  );
});

test("operator: a signed PolicyBundle becomes Verified=True with its hash, revision and signers", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "pb");
  const client = testClient();
  const bundle = await makeBundle(t, { build: { revision: 3 } });
  const files = await bundleFileMap(bundle.dir);
  const operator = await startOperator(t, ns);
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [bundle.key]));
  // Through a ConfigMap, as most users will ship it.
  await applyObject(client, ResourceTypes.configMap, {
    metadata: { name: "loan-approval-1-2-0", namespace: ns },
    data: files,
  });
  await applyObject(
    client,
    ResourceTypes.policyBundle,
    policyBundleObject(ns, "loan-approval", files, {
      trustSecret: "signers",
      configMap: "loan-approval-1-2-0",
    }),
  );
  const pb = await verifiedState(client, ns, "loan-approval", "True");
  const manifest = JSON.parse(files["bundle.manifest.json"] ?? "{}") as {
    bundle_hash: string;
    revision: number;
  };
  assert.equal(pb.status?.bundleHash, manifest.bundle_hash);
  assert.equal(pb.status.revision, 3);
  assert.deepEqual(pb.status.signerKeyIds, [bundle.key.keyId]);
  assert.match(pb.status.manifestHash ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.ok(pb.status.verifiedAt);
  const ready = pb.status.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "True");
  // The reconcile counter moves when the reconcile returns, just after its status write is visible.
  const metrics = await eventually("the reconcile to be counted", async () => {
    const text = await (await fetch(operator.metricsUrl ?? "")).text();
    return /controller_runtime_reconcile_total\{controller="policybundle",result="success"\} [1-9]/.test(text)
      ? text
      : undefined;
  });
  assert.match(
    metrics,
    /parmana_bundle_verifications_total\{result="success",reason="SignatureValid"\} [1-9]/,
  );
  assert.match(
    metrics,
    /controller_runtime_reconcile_total\{controller="policybundle",result="success"\} [1-9]/,
  );
});

test("operator: tampered bundles become Verified=False with the reason, a Warning Event, a metric and an invalid_policy record in Kafka", async (t) => {
  await installCrds();
  const ns = await testNamespace(t, kubeConfig(), "tamper");
  const client = testClient();
  const kafka = kafkaService();
  const topic = `operator-events-${randomUUID()}`;
  await createTopic(kafka, topic);
  const reader = await readTopic(t, kafka, topic);
  const sink = new KafkaSink({
    brokers: kafka.brokers,
    topic,
    format: "raw",
    minSeverity: "low",
    clientId: `operator-${randomUUID()}`,
    tls: undefined,
    sasl: undefined,
  });
  const operator = await startOperator(t, ns, { exportSinks: [sink] });
  const key = newSigningKey();
  await applyObject(client, ResourceTypes.secret, trustSecret(ns, "signers", [key]));
  const good = await makeBundle(t, { key, build: { revision: 5 } });
  const files = await bundleFileMap(good.dir);

  const cases: [string, Record<string, string>, string][] = [];
  cases.push([
    "content",
    { ...files, "policy.json": files["policy.json"]?.replace("EXAMPLE ONLY", "EXAMPLE, TAMPERED") ?? "" },
    "HASH_MISMATCH",
  ]);
  cases.push([
    "manifest",
    {
      ...files,
      "bundle.manifest.json": files["bundle.manifest.json"]?.replace('"revision":5', '"revision":9') ?? "",
    },
    "BAD_SIGNATURE",
  ]);
  const sig = JSON.parse(files["bundle.sig"] ?? "{}") as { signatures: { keyId: string; sig: string }[] };
  const flipped = sig.signatures.map((s) => ({
    ...s,
    sig: `${s.sig.startsWith("A") ? "B" : "A"}${s.sig.slice(1)}`,
  }));
  cases.push([
    "signature",
    { ...files, "bundle.sig": JSON.stringify({ signatures: flipped }) },
    "BAD_SIGNATURE",
  ]);
  const stranger = await makeBundle(t, { build: { revision: 5 } });
  cases.push(["untrusted key", await bundleFileMap(stranger.dir), "UNTRUSTED_KEY"]);

  await t.test("each tampering has its reason code", async () => {
    for (const [what, tampered, reason] of cases) {
      const name = `tampered-${what.replace(" ", "-")}`;
      await applyObject(
        client,
        ResourceTypes.policyBundle,
        policyBundleObject(ns, name, tampered, { trustSecret: "signers" }),
      );
      const pb = await verifiedState(client, ns, name, "False");
      const verified = pb.status?.conditions?.find((c) => c.type === "Verified");
      assert.equal(verified?.reason, reason, `${what}: ${verified?.message ?? ""}`);
      assert.equal(pb.status?.bundleHash, undefined, `${what}: never verified, so no hash`);
    }
  });

  await t.test("a lowered revision is ROLLBACK and the last verified content stays", async () => {
    await applyObject(
      client,
      ResourceTypes.policyBundle,
      policyBundleObject(ns, "rollback", files, { trustSecret: "signers" }),
    );
    const first = await verifiedState(client, ns, "rollback", "True");
    await buildBundleDirectory(good.dir, key, { revision: 4 });
    const older = await bundleFileMap(good.dir);
    await applyObject(
      client,
      ResourceTypes.policyBundle,
      policyBundleObject(ns, "rollback", older, { trustSecret: "signers" }),
    );
    const rolledBack = await eventually("the rollback to be refused", async () => {
      const pb = await verifiedState(client, ns, "rollback", "False");
      return pb.metadata.generation > first.metadata.generation ? pb : undefined;
    });
    assert.equal(rolledBack.status?.conditions?.find((c) => c.type === "Verified")?.reason, "ROLLBACK");
    assert.equal(rolledBack.status.bundleHash, first.status?.bundleHash, "the last verified content stays");
    assert.equal(rolledBack.status.revision, 5);
  });

  await t.test("a Warning Event, the failure metric and invalid_policy in Kafka for each", async () => {
    const names = [...cases.map(([w]) => `tampered-${w.replace(" ", "-")}`), "rollback"];
    await eventually("a Warning Event for each tampered bundle", async () => {
      const events = await client.list<{
        metadata: { name: string };
        involvedObject: { name: string };
        type: string;
        reason: string;
      }>(ResourceTypes.event, ns);
      const warned = new Set(
        events.items
          .filter((e) => e.type === "Warning" && e.reason === "VerificationFailed")
          .map((e) => e.involvedObject.name),
      );
      return names.every((n) => warned.has(n)) ? true : undefined;
    });
    const metrics = await (await fetch(operator.metricsUrl ?? "")).text();
    for (const reason of ["HASH_MISMATCH", "BAD_SIGNATURE", "UNTRUSTED_KEY", "ROLLBACK"])
      assert.match(
        metrics,
        new RegExp(`parmana_bundle_verifications_total\\{result="failure",reason="${reason}"\\} [1-9]`),
      );
    assert.match(
      metrics,
      /parmana_security_events_total\{event_type="invalid_policy",severity="high"\} [1-9]/,
    );
    await eventually("an invalid_policy record per tampered bundle in Kafka", () => {
      const bundles = new Set(
        reader.records
          .map((r) => JSON.parse(r.value) as { event_type: string; details: { policy_bundle?: string } })
          .filter((e) => e.event_type === "invalid_policy")
          .map((e) => e.details.policy_bundle),
      );
      return Promise.resolve(names.every((n) => bundles.has(`${ns}/${n}`)) ? true : undefined);
    });
    await reader.close();
  });
});
