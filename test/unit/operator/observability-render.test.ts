// What a GovernanceServer asks of its pods' observability reaches them as the variables the server reads:
// spec.export's decision log (read back by the server's own export configuration) and spec.tracing (the
// standard OpenTelemetry variables, which the server's tracing switch recognises) and spec.signing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { renderBundleSet, renderDeployment } from "../../../src/operator/render.ts";
import type { GovernanceServer } from "../../../src/operator/schema.ts";
import { loadExportConfig } from "../../../src/export/index.ts";
import { tracingRequested } from "../../../src/tracing/index.ts";
import { loadServerConfig } from "../../../src/server/index.ts";

const sample = parse(
  readFileSync(new URL("../../../deploy/samples/governanceserver.yaml", import.meta.url), "utf8"),
) as GovernanceServer;

function env(spec: Partial<GovernanceServer["spec"]>): Record<string, string> {
  const gs = { ...sample, metadata: { ...sample.metadata, uid: "u-1" }, spec: { ...sample.spec, ...spec } };
  const d = renderDeployment(gs, {
    set: renderBundleSet([]),
    secretsHash: "def",
    defaultImage: "parmana/parmana:test",
  });
  return Object.fromEntries(
    (d.spec?.template.spec?.containers[0]?.env ?? []).flatMap((e) =>
      e.value === undefined ? [] : [[e.name, e.value]],
    ),
  );
}

test("observability-render: spec.export's decision log becomes the server's decision export settings", () => {
  const vars = env({
    export: {
      kafka: { brokers: ["kafka:9092"], decisions: { topic: "parmana.decisions", mode: "deny-only" } },
      otlp: { endpoint: "http://collector:4318", decisions: { mode: "sampled:0.1" } },
      decisionSignals: ["country", "flagged"],
    },
  });
  const config = loadExportConfig(vars);
  assert.deepEqual(config.kafka?.decisions, {
    topic: "parmana.decisions",
    mode: { kind: "deny-only" },
    format: "ocsf",
  });
  assert.deepEqual(config.otlp?.decisionMode, { kind: "sampled", ratio: 0.1 });
  assert.deepEqual([...config.decisionSignals], ["country", "flagged"]);
  const none = loadExportConfig(env({ export: { kafka: { brokers: ["kafka:9092"] } } }));
  assert.equal(none.kafka?.decisions, undefined, "no decisions topic, no decision log");
});

test("observability-render: spec.tracing turns the pods' tracing on, to the endpoint's /v1/traces, at the ratio", () => {
  assert.equal(tracingRequested(env({})), false, "off unless asked for");
  const vars = env({ tracing: { endpoint: "http://collector:4318/", samplerRatio: 0.25 } });
  assert.equal(tracingRequested(vars), true);
  assert.equal(vars["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], "http://collector:4318/v1/traces");
  assert.equal(vars["OTEL_TRACES_SAMPLER"], "parentbased_traceidratio");
  assert.equal(vars["OTEL_TRACES_SAMPLER_ARG"], "0.25");
  assert.match(vars["OTEL_RESOURCE_ATTRIBUTES"] ?? "", /k8s\.pod\.name=\$\(POD_NAME\)/);
});

test("observability-render: spec.signing reaches the pods as PARMANA_SIGNING_MODE and its bounds, which the server's configuration reads back", () => {
  assert.equal(env({})["PARMANA_SIGNING_MODE"], undefined, "per-decision unless asked for");
  const vars = env({ signing: { mode: "batched", batchMax: 128, batchWaitMs: 2 } });
  assert.deepEqual(loadServerConfig(vars).signing, { mode: "batched", maxBatch: 128, maxWaitMs: 2 });
  assert.deepEqual(loadServerConfig(env({ signing: { mode: "per-decision" } })).signing, {
    mode: "per-decision",
  });
});
