import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { buildSecurityEvent, SecurityEventType, type RaiseInput } from "../../../src/events/index.ts";
import { renderEvent, loadExportConfig, ExportConfigError } from "../../../src/export/index.ts";

const schema = (name: string): object =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/siem/${name}.schema.json`, import.meta.url), "utf8"),
  ) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
const validateRaw = ajv.compile(schema("raw"));
const source = { component: "server" as const, instance: "test-0" };

function sample(type: SecurityEventType): RaiseInput {
  return {
    type,
    message: `a ${type} | with = odd\ncharacters`,
    occurrences: 3,
    actor: { apiKeyId: "payments", clientIp: "10.1.2.3", userAgent: "curl/8" },
    request: { method: "POST", path: "/execute", requestId: "req-1" },
    policy: { policyId: "loan-approval", policyVersion: "1.2.0" },
    execution: { executionId: "loan-42", fingerprint: "ab".repeat(32) },
    details: { reason: "test" },
  };
}

// OCSF and ECS are checked against their official definitions in siem-conformance.test.ts.
test("export.formats: every event type renders as schema-valid raw JSON and keeps its identity in OCSF", () => {
  for (const type of Object.values(SecurityEventType)) {
    const event = buildSecurityEvent(sample(type), source);
    const raw = JSON.parse(renderEvent(event, "raw").value) as unknown;
    assert.ok(validateRaw(raw), `${type} as raw: ${ajv.errorsText(validateRaw.errors)}`);
    assert.deepEqual(raw, JSON.parse(JSON.stringify(event)));
    const ocsf = JSON.parse(renderEvent(event, "ocsf").value) as {
      class_uid: number;
      severity_id: number;
      time: number;
      count: number;
      metadata: { uid: string };
    };
    assert.equal(
      ocsf.class_uid,
      type === "unauthorized_access" || type === "rate_limit_exceeded" ? 6003 : 2004,
      type,
    );
    assert.equal(ocsf.severity_id, event.severity_id);
    assert.equal(ocsf.time, Date.parse(event.occurred_at));
    assert.equal(ocsf.count, 3);
    assert.equal(ocsf.metadata.uid, event.event_id);
    const ecs = JSON.parse(renderEvent(event, "ecs").value) as {
      event: { id: string };
      parmana: { occurrences: number };
    };
    assert.deepEqual([ecs.event.id, ecs.parmana.occurrences], [event.event_id, 3]);
  }
});

test("export.formats: the schema header names each format's version", () => {
  const event = buildSecurityEvent(sample("replay_attempt"), source);
  assert.deepEqual(
    (["ocsf", "ecs", "cef", "raw"] as const).map((f) => renderEvent(event, f).schema),
    ["ocsf/1.3.0", "ecs/8.11", "cef/0", "parmana/security-event-v1"],
  );
});

test("export.formats: CEF is one line, its header and extension escaped, shaped like the checked sample", () => {
  const sampleLine = readFileSync(
    new URL("../../fixtures/siem/cef-sample.txt", import.meta.url),
    "utf8",
  ).trim();
  const shape =
    /^CEF:0\|Parmana\|Parmana Governance\|[^|]+\|[a-z_]+\|[^|]+\|(?:10|[0-9])\|(?:[A-Za-z0-9]+=(?:[^=\\]|\\[=\\n])*(?: |$))+$/;
  assert.match(sampleLine, shape);
  const line = renderEvent(buildSecurityEvent(sample("replay_attempt"), source), "cef").value;
  assert.match(line, shape);
  assert.ok(!line.includes("\n"), "a newline in the message never breaks the record");
  assert.match(line, /msg=a replay_attempt \| with \\= odd\\ncharacters$/);
  assert.match(line, /\|replay_attempt\|Replayed executionId\|8\|/);
  assert.match(line, / cnt=3 /);
});

test("export.config: a malformed export setting stops start-up naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PARMANA_EXPORT_KAFKA_BROKERS: "kafka" }, /^PARMANA_EXPORT_KAFKA_BROKERS: "kafka" is not host:port/],
    [
      { PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_KAFKA_FORMAT: "xml" },
      /^PARMANA_EXPORT_KAFKA_FORMAT=/,
    ],
    [
      { PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_KAFKA_MIN_SEVERITY: "urgent" },
      /^PARMANA_EXPORT_KAFKA_MIN_SEVERITY=/,
    ],
    [
      { PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_KAFKA_SASL_MECHANISM: "scram-sha-512" },
      /needs PARMANA_EXPORT_KAFKA_SASL_USERNAME/,
    ],
    [
      { PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_KAFKA_TLS_CA_FILE: "/nonexistent/ca.pem" },
      /^PARMANA_EXPORT_KAFKA_TLS_CA_FILE: cannot read/,
    ],
    [{ PARMANA_EXPORT_RELAY_BATCH: "0" }, /^PARMANA_EXPORT_RELAY_BATCH=/],
    [
      { PARMANA_EXPORT_OTLP_ENDPOINT: "collector:4318" },
      /^PARMANA_EXPORT_OTLP_ENDPOINT="collector:4318" must be/,
    ],
    [{ PARMANA_EXPORT_OTLP: "yes" }, /^PARMANA_EXPORT_OTLP="yes" must be one of true, false/],
    [
      { PARMANA_EXPORT_OTLP: "true", PARMANA_EXPORT_OTLP_MIN_SEVERITY: "loud" },
      /^PARMANA_EXPORT_OTLP_MIN_SEVERITY=/,
    ],
    [
      { OTEL_LOGS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" },
      /^OTEL_EXPORTER_OTLP_ENDPOINT=/,
    ],
  ];
  for (const [env, message] of cases)
    assert.throws(
      () => loadExportConfig(env),
      (e: unknown) => e instanceof ExportConfigError && message.test(e.message),
      JSON.stringify(env),
    );
  const ok = loadExportConfig({ PARMANA_EXPORT_KAFKA_BROKERS: "a:9092, b:9093" });
  assert.deepEqual(
    [ok.kafka?.brokers, ok.kafka?.topic, ok.kafka?.format, ok.kafka?.minSeverity],
    [["a:9092", "b:9093"], "parmana.security-events", "ocsf", "low"],
  );
  assert.equal(loadExportConfig({}).kafka, undefined);
});

test("export.config: the OTLP sink is on when asked for, by PARMANA_EXPORT_OTLP*, or by OTEL_LOGS_EXPORTER", () => {
  assert.equal(loadExportConfig({}).otlp, undefined);
  assert.equal(loadExportConfig({ OTEL_LOGS_EXPORTER: "none" }).otlp, undefined);
  assert.equal(
    loadExportConfig({ PARMANA_EXPORT_OTLP: "false", PARMANA_EXPORT_OTLP_ENDPOINT: "http://c:4318/v1/logs" })
      .otlp,
    undefined,
  );
  assert.equal(loadExportConfig({ OTEL_LOGS_EXPORTER: "console, otlp" }).otlp?.endpoint, undefined);
  const otlp = loadExportConfig({
    PARMANA_EXPORT_OTLP_ENDPOINT: "https://c:4318/v1/logs",
    PARMANA_EXPORT_OTLP_MIN_SEVERITY: "high",
    POD_NAMESPACE: "payments",
    POD_NAME: "gs-0",
  }).otlp;
  assert.deepEqual(otlp, {
    endpoint: "https://c:4318/v1/logs",
    minSeverity: "high",
    timeoutMs: 10_000,
    serviceName: "parmana-governance-server",
    resourceAttributes: { "k8s.namespace.name": "payments", "k8s.pod.name": "gs-0" },
  });
});

test("export.config: decision records — a Kafka topic of their own, a mode per sink, one signal allowlist", () => {
  const none = loadExportConfig({ PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_OTLP: "true" });
  assert.equal(none.kafka?.decisions, undefined, "off when no decisions topic is set");
  assert.equal(none.otlp?.decisionMode, undefined, "off for OTLP unless asked for");
  assert.deepEqual([...none.decisionSignals], [], "by default no signal value leaves");
  const on = loadExportConfig({
    PARMANA_EXPORT_KAFKA_BROKERS: "k:9092",
    PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "parmana.decisions",
    PARMANA_EXPORT_OTLP: "true",
    PARMANA_EXPORT_OTLP_DECISIONS_MODE: "sampled:0.25",
    PARMANA_EXPORT_DECISIONS_SIGNALS: "country, flagged",
  });
  assert.deepEqual(on.kafka?.decisions, {
    topic: "parmana.decisions",
    mode: { kind: "all" },
    format: "ocsf",
  });
  assert.deepEqual(on.otlp?.decisionMode, { kind: "sampled", ratio: 0.25 });
  assert.deepEqual([...on.decisionSignals], ["country", "flagged"]);
  const off = loadExportConfig({
    PARMANA_EXPORT_KAFKA_BROKERS: "k:9092",
    PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "parmana.decisions",
    PARMANA_EXPORT_KAFKA_DECISIONS_MODE: "off",
  });
  assert.equal(off.kafka?.decisions, undefined);
  const cases: [Record<string, string>, RegExp][] = [
    [
      { PARMANA_EXPORT_KAFKA_BROKERS: "k:9092", PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "bad topic" },
      /^PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC="bad topic" is not a valid topic name/,
    ],
    [
      {
        PARMANA_EXPORT_KAFKA_BROKERS: "k:9092",
        PARMANA_EXPORT_KAFKA_TOPIC: "same",
        PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "same",
      },
      /must differ from PARMANA_EXPORT_KAFKA_TOPIC/,
    ],
    [
      {
        PARMANA_EXPORT_KAFKA_BROKERS: "k:9092",
        PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "d",
        PARMANA_EXPORT_KAFKA_DECISIONS_MODE: "sampled:1.5",
      },
      /^PARMANA_EXPORT_KAFKA_DECISIONS_MODE="sampled:1.5" must be all, deny-only or sampled:.*, or off$/,
    ],
    [
      {
        PARMANA_EXPORT_KAFKA_BROKERS: "k:9092",
        PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: "d",
        PARMANA_EXPORT_KAFKA_DECISIONS_FORMAT: "cef",
      },
      /^PARMANA_EXPORT_KAFKA_DECISIONS_FORMAT="cef" must be one of ocsf, ecs, raw/,
    ],
    [{ PARMANA_EXPORT_OTLP: "true", PARMANA_EXPORT_OTLP_DECISIONS_MODE: "some" }, /OTLP_DECISIONS_MODE/],
    [{ PARMANA_EXPORT_DECISIONS_SIGNALS: "amount,a-b" }, /names "a-b", which is not a signal name/],
  ];
  for (const [env, message] of cases)
    assert.throws(
      () => loadExportConfig(env),
      (e: unknown) => e instanceof ExportConfigError && message.test(e.message),
      JSON.stringify(env),
    );
});
