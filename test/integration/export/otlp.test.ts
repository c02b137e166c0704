// Security events as OpenTelemetry log records, received by a real OTLP/HTTP receiver that decodes them with
// the official OTLP protobuf definitions (test/infra/otlp): eventName, severity, attributes and resource as
// siem.md specifies; nothing lost while the receiver is down; minSeverity per sink.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SeverityNumber } from "@opentelemetry/api";
import { OtlpSink, OutboxRelay, outboxBacklog } from "../../../src/export/index.ts";
import { packageVersion } from "../../../src/version.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { eventually } from "../../support/kube.ts";
import { receivedRecords, type ReceivedLogRecord } from "../../support/otlp-receiver.ts";
import { outboxDatabase, raiseIntoOutbox } from "../../support/outbox.ts";
import { privateService } from "../../support/private-services.ts";
import { raiseAllFive, startTestServer, storedAllFive } from "../../support/server.ts";
import { kafkaService } from "../../support/services.ts";

const SEVERITY_NUMBER: Readonly<Record<string, number>> = {
  low: SeverityNumber.INFO,
  medium: SeverityNumber.WARN,
  high: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
};

function byEventId(records: readonly ReceivedLogRecord[]): Map<string, ReceivedLogRecord[]> {
  const ids = new Map<string, ReceivedLogRecord[]>();
  for (const r of records) {
    const id = String(r.attributes["parmana.event_id"]);
    ids.set(id, [...(ids.get(id) ?? []), r]);
  }
  return ids;
}

test("otlp: every security event arrives once as a log record with eventName, severity, attributes and resource", async (t) => {
  const receiver = await privateService(t, "otlp");
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_OTLP_ENDPOINT: receiver.url,
      PARMANA_RATE_LIMIT_EXECUTE: "4",
      POD_NAMESPACE: "payments",
      POD_NAME: "governance-7d9f-abcde",
    },
  });
  await raiseAllFive(s.url, s.files.keys);
  const stored = await storedAllFive(s);
  const received = await eventually(
    "every stored event at the receiver",
    async () => {
      const ids = byEventId(await receivedRecords(receiver));
      return stored.every((e) => ids.has(String(e["event_id"]))) ? ids : undefined;
    },
    60_000,
  );
  for (const event of stored) {
    const copies = received.get(String(event["event_id"])) ?? [];
    assert.equal(copies.length, 1, `${String(event["event_id"])} once`);
    const [record] = copies;
    assert.ok(record);
    assert.equal(record.eventName, `parmana.${String(event["event_type"])}`);
    assert.equal(record.severityNumber, SEVERITY_NUMBER[String(event["severity"])]);
    assert.match(record.body ?? "", /\S/, "a short body");
    assert.equal(record.scope, "parmana.security-events");
    assert.equal(
      BigInt(record.timeUnixNano ?? "0") / 1_000_000n,
      BigInt(Date.parse(String(event["occurred_at"]))),
    );
    assert.equal(record.attributes["security_rule.name"], event["event_type"]);
    assert.equal(record.attributes["parmana.severity"], event["severity"]);
    assert.equal(record.attributes["parmana.occurrences"], event["occurrences"]);
    // Request facts where the event came from a request (invalid_policy here is raised at bundle load).
    assert.equal(record.attributes["client.address"], event["client_ip"] ?? undefined);
    assert.equal(record.attributes["http.request.method"], event["method"] ?? undefined);
    assert.equal(record.attributes["url.path"], event["path"] ?? undefined);
    assert.deepEqual(
      {
        name: record.resource["service.name"],
        version: record.resource["service.version"],
        namespace: record.resource["k8s.namespace.name"],
        pod: record.resource["k8s.pod.name"],
      },
      {
        name: "parmana-governance-server",
        version: packageVersion(),
        namespace: "payments",
        pod: "governance-7d9f-abcde",
      },
    );
  }
  const fromRequests = [...received.values()]
    .flat()
    .filter((r) => r.attributes["client.address"] === "127.0.0.1");
  assert.ok(fromRequests.length >= 4, "request events carry client.address");
  const replay = [...received.values()].flat().find((r) => r.eventName === "parmana.replay_attempt");
  assert.equal(replay?.attributes["security_rule.ruleset.name"], "loan-approval");
  assert.equal(replay.attributes["security_rule.version"], "1.2.0");
  const metrics = await (await fetch(s.server.metricsUrl)).text();
  assert.match(metrics, /parmana_export_delivered_total\{sink="otlp",stream="security_events"\} [1-9]/);
});

test("otlp outage: 10,000 events raised while the receiver is down all arrive when it returns; lag rises and falls", async (t) => {
  const receiver = await privateService(t, "otlp");
  const db = await outboxDatabase(t);
  await receiver.stop();
  const failures: unknown[] = [];
  const relay = new OutboxRelay({
    db,
    sinks: [
      new OtlpSink({
        endpoint: receiver.url,
        minSeverity: "low",
        timeoutMs: 2_000,
        serviceName: "otlp-outage-test",
        resourceAttributes: {},
      }),
    ],
    maxBackoffMs: 1_000,
    observer: { failed: (_s, e) => failures.push(e) },
  });
  relay.start();
  t.after(() => relay.stop());
  await raiseIntoOutbox(db, 10_000);
  assert.equal((await outboxBacklog(db, "otlp")).pending, 10_000);
  await sleep(2_000);
  const during = await outboxBacklog(db, "otlp");
  assert.ok(during.lagSeconds >= 2, `lag rose while the receiver was down (${String(during.lagSeconds)} s)`);
  assert.ok(failures.length > 0, "the relay kept trying");
  assert.equal((await receivedRecords(receiver)).length, 0);

  await receiver.start();
  await eventually(
    "all 10,000 events at the receiver",
    async () => (byEventId(await receivedRecords(receiver)).size === 10_000 ? true : undefined),
    180_000,
    500,
  );
  await eventually("the outbox to settle", async () => {
    const b = await outboxBacklog(db, "otlp");
    return b.pending === 0 && b.lagSeconds === 0 ? true : undefined;
  });
  const [stored] = await db.query<{ n: string }>("select count(*)::text as n from audit_security_events");
  assert.equal(stored?.n, "10000", "none missing from the audit table");
  await relay.stop();
});

test("otlp: minSeverity is per sink (a high-only OTLP sink beside a Kafka sink that takes everything)", async (t) => {
  const receiver = await privateService(t, "otlp");
  const kafka = kafkaService();
  const topic = `otlp-beside-${randomUUID()}`;
  await createTopic(kafka, topic);
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_OTLP_ENDPOINT: receiver.url,
      PARMANA_EXPORT_OTLP_MIN_SEVERITY: "high",
      PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
      PARMANA_EXPORT_KAFKA_TOPIC: topic,
      PARMANA_RATE_LIMIT_EXECUTE: "4",
    },
  });
  const reader = await readTopic(t, kafka, topic);
  await raiseAllFive(s.url, s.files.keys);
  const stored = await storedAllFive(s);
  const ids = stored.map((e) => String(e["event_id"]));
  await eventually(
    "every event in Kafka",
    () => Promise.resolve(ids.every((id) => reader.keys().has(id)) ? true : undefined),
    60_000,
  );
  await eventually("the OTLP sink's outbox to settle", async () => {
    const m = await (await fetch(s.server.metricsUrl)).text();
    return /parmana_export_outbox_pending\{sink="otlp",stream="security_events"\} 0/.test(m)
      ? true
      : undefined;
  });
  const received = byEventId(await receivedRecords(receiver));
  for (const event of stored) {
    const high = event["severity"] === "high" || event["severity"] === "critical";
    assert.equal(received.has(String(event["event_id"])), high, `${String(event["event_type"])} at OTLP`);
  }
  await reader.close();
});
