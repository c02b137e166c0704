// Every security event the server raises reaches Kafka once per event_id, in OCSF by default, with the
// headers SIEM pipelines route on; minSeverity filters per sink.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { eventually } from "../../support/kube.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { kafkaService } from "../../support/services.ts";
import { get, raiseAllFive, startTestServer, storedAllFive } from "../../support/server.ts";

const ocsfSchema = JSON.parse(
  readFileSync(new URL("../../fixtures/siem/ocsf.schema.json", import.meta.url), "utf8"),
) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(ocsfSchema);

test("export: every event appears once per event_id in Kafka as schema-valid OCSF with routing headers", async (t) => {
  const kafka = kafkaService();
  const topic = `parmana-events-${randomUUID()}`;
  await createTopic(kafka, topic);
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
      PARMANA_EXPORT_KAFKA_TOPIC: topic,
      PARMANA_RATE_LIMIT_EXECUTE: "4",
    },
  });
  const reader = await readTopic(t, kafka, topic);
  await raiseAllFive(s.url, s.files.keys);

  const stored = await storedAllFive(s);
  const ids = new Set(stored.map((e) => String(e["event_id"])));
  await eventually(
    "every stored event to reach Kafka",
    () => Promise.resolve([...ids].every((id) => reader.keys().has(id)) ? true : undefined),
    60_000,
  );
  for (const id of ids) {
    const copies = reader.records.filter((r) => r.key === id);
    assert.equal(copies.length, 1, `${id} once`);
    const record = copies[0];
    assert.ok(record);
    const doc = JSON.parse(record.value) as {
      class_uid: number;
      severity_id: number;
      time: number;
      metadata: { uid: string };
    };
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.equal(doc.metadata.uid, id);
    const row = stored.find((e) => e["event_id"] === id) ?? {};
    assert.equal(record.headers["event_type"], row["event_type"]);
    assert.equal(record.headers["severity"], row["severity"]);
    assert.equal(record.headers["schema"], "ocsf/1.3.0");
    assert.equal(record.headers["content-type"], "application/json");
    assert.equal(doc.time, Date.parse(String(row["occurred_at"])));
  }
  const metrics = await (await fetch(s.server.metricsUrl)).text();
  assert.match(metrics, /parmana_export_delivered_total\{sink="kafka"\} [1-9]/);
  assert.match(metrics, /parmana_export_outbox_pending\{sink="kafka"\} 0/);
});

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
    return /parmana_export_outbox_pending\{sink="kafka"\} 0/.test(m) ? true : undefined;
  });
  const medium = stored.filter((e) => e["severity"] === "medium").map((e) => String(e["event_id"]));
  assert.ok(medium.length > 0);
  for (const id of medium) assert.ok(!reader.keys().has(id), "a medium event never reaches a high-only sink");
  const doc = JSON.parse(reader.records[0]?.value ?? "{}") as { event?: { kind?: string } };
  assert.equal(doc.event?.kind, "alert", "ECS format");
  assert.equal((await get(`${s.url}/health`, undefined)).status, 200);
});
