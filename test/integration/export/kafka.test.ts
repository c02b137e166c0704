// Every security event the server raises reaches Kafka once per event_id, in each format, with the headers
// SIEM pipelines route on, as Kafka's own ConsoleConsumer reads it: OCSF and ECS records valid by their official
// definitions, CEF lines of the CEF shape. minSeverity filters per sink.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eventually } from "../../support/kube.ts";
import { consumeWithKafkaTools } from "../../support/console-consumer.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { kafkaService } from "../../support/services.ts";
import { get, raiseAllFive, startTestServer, storedAllFive } from "../../support/server.ts";
import { validateOcsf } from "../../support/standards/ocsf.ts";
import { validateEcs } from "../../support/standards/ecs.ts";

const CEF_SHAPE =
  /^CEF:0\|Parmana\|Parmana Governance\|[^|]+\|([a-z_]+)\|[^|]+\|(?:10|[0-9])\|(?:[A-Za-z0-9]+=(?:[^=\\]|\\[=\\n])*(?: |$))+$/;

const problemsOf: Readonly<Record<"ocsf" | "ecs" | "cef", (value: string) => string[]>> = {
  ocsf: (value) => {
    const report = validateOcsf(JSON.parse(value));
    return [...report.errors, ...report.warnings].map((f) => `${f.type} at ${f.path}`);
  },
  ecs: (value) => validateEcs(JSON.parse(value)).findings.map((f) => `${f.type} at ${f.field}`),
  cef: (value) => (CEF_SHAPE.test(value) ? [] : ["not a CEF line"]),
};

const SCHEMA_HEADER = { ocsf: "ocsf/1.3.0", ecs: "ecs/8.11", cef: "cef/0" } as const;

for (const format of ["ocsf", "ecs", "cef"] as const) {
  test(`export: every event type reaches Kafka once as a valid ${format} record with routing headers (read by Kafka's own consumer)`, async (t) => {
    const kafka = kafkaService();
    const topic = `parmana-events-${format}-${randomUUID()}`;
    await createTopic(kafka, topic);
    const s = await startTestServer(t, {
      env: {
        PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
        PARMANA_EXPORT_KAFKA_TOPIC: topic,
        PARMANA_EXPORT_KAFKA_FORMAT: format,
        PARMANA_RATE_LIMIT_EXECUTE: "4",
      },
    });
    await raiseAllFive(s.url, s.files.keys);
    const stored = await storedAllFive(s);
    const records = await consumeWithKafkaTools(kafka, topic, stored.length);
    assert.deepEqual(
      records.map((r) => r.key).sort(),
      stored.map((e) => String(e["event_id"])).sort(),
      "each stored event exactly once, keyed by event_id",
    );
    for (const record of records) {
      const row = stored.find((e) => e["event_id"] === record.key) ?? {};
      const label = `${String(row["event_type"])} ${record.key}`;
      assert.deepEqual(problemsOf[format](record.value), [], label);
      assert.equal(record.headers["event_type"], row["event_type"], label);
      assert.equal(record.headers["severity"], row["severity"], label);
      assert.equal(record.headers["schema"], SCHEMA_HEADER[format], label);
      assert.equal(
        record.headers["content-type"],
        format === "cef" ? "text/plain" : "application/json",
        label,
      );
    }
    assert.deepEqual(
      new Set(records.map((r) => r.headers["event_type"])),
      new Set([
        "replay_attempt",
        "signature_failure",
        "invalid_policy",
        "rate_limit_exceeded",
        "unauthorized_access",
      ]),
    );
    await eventually("the outbox to be settled for the sink", async () => {
      const m = await (await fetch(s.server.metricsUrl)).text();
      return /parmana_export_delivered_total\{sink="kafka",stream="security_events"\} [1-9]/.test(m) &&
        /parmana_export_outbox_pending\{sink="kafka",stream="security_events"\} 0/.test(m)
        ? true
        : undefined;
    });
  });
}

test("export: minSeverity filters per sink (medium and below stay out of a high-only topic)", async (t) => {
  const kafka = kafkaService();
  const topic = `parmana-high-${randomUUID()}`;
  await createTopic(kafka, topic);
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
      PARMANA_EXPORT_KAFKA_TOPIC: topic,
      PARMANA_EXPORT_KAFKA_MIN_SEVERITY: "high",
      PARMANA_EXPORT_KAFKA_FORMAT: "ecs",
      PARMANA_RATE_LIMIT_EXECUTE: "4",
    },
  });
  const reader = await readTopic(t, kafka, topic);
  await raiseAllFive(s.url, s.files.keys);
  const stored = await storedAllFive(s);
  const high = stored.filter((e) => e["severity"] === "high" || e["severity"] === "critical");
  await eventually(
    "the high and critical events to arrive",
    () => Promise.resolve(high.every((e) => reader.keys().has(String(e["event_id"]))) ? true : undefined),
    60_000,
  );
  await eventually("the outbox to be settled for the sink", async () => {
    const m = await (await fetch(s.server.metricsUrl)).text();
    return /parmana_export_outbox_pending\{sink="kafka",stream="security_events"\} 0/.test(m)
      ? true
      : undefined;
  });
  const medium = stored.filter((e) => e["severity"] === "medium").map((e) => String(e["event_id"]));
  assert.ok(medium.length > 0);
  for (const id of medium) assert.ok(!reader.keys().has(id), "a medium event never reaches a high-only sink");
  const doc = JSON.parse(reader.records[0]?.value ?? "{}") as { event?: { kind?: string } };
  assert.equal(doc.event?.kind, "alert", "ECS format");
  assert.equal((await get(`${s.url}/health`, undefined)).status, 200);
});
