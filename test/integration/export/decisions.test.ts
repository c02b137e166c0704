// The decision log through the transactional outbox, against real Redis, Postgres and a Kafka broker: 1,000
// executes of mixed outcomes with deny-only reach the decisions topic as exactly the non-approvals (and the
// overrides), keyed by executionId, as OCSF records valid by the official schema, none carrying a signal value
// the allowlist leaves out, and none lost while the broker is down. A relay killed after the broker took a
// batch, before it recorded the delivery, loses nothing either (at-least-once by record_id).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Attestation } from "../../../src/attest/index.ts";
import { connectPostgres } from "../../../src/audit/index.ts";
import { decisionRecord } from "../../../src/export/decisions/index.ts";
import {
  KafkaSink,
  OutboxRelay,
  outboxBacklog,
  type DecisionRecord,
  type DecisionSink,
} from "../../../src/export/index.ts";
import { DECISION_RECORDS, enqueue } from "../../../src/outbox/index.ts";
import { unsignedAttestation } from "../../support/attestations.ts";
import { eventually } from "../../support/kube.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { outboxDatabase } from "../../support/outbox.ts";
import { privateService } from "../../support/private-services.ts";
import { executeBody, overrideBody, post, startTestServer, uniqueId } from "../../support/server.ts";
import { kafkaService, type KafkaService } from "../../support/services.ts";
import { validateOcsf } from "../../support/standards/ocsf.ts";

/** A value no allowlist names: it must never leave, nor rest in the outbox. */
const SECRET_NOTE = "passport X1234567";

/** Four outcomes in turn: approve, reject (flagged), reject (low credit), manual review (pending override). */
function signalsFor(i: number): Record<string, unknown> {
  const base = { applicant_note: SECRET_NOTE, amount: 1_000 + i };
  switch (i % 4) {
    case 0:
      return base;
    case 1:
      return { ...base, flagged: true };
    case 2:
      return { ...base, credit_score: 400 };
    default:
      return { ...base, country: "IN", amount: 75_000 + i };
  }
}

async function pendingOf(url: string): Promise<number> {
  const m = await (await fetch(url)).text();
  const found = /parmana_export_outbox_pending\{sink="kafka",stream="decisions"\} (\S+)/.exec(m);
  return Number(found?.[1] ?? Number.NaN);
}

test("decision log: 1,000 mixed executes with deny-only reach Kafka as exactly the non-approvals and overrides, allowlisted signals only, none lost across a broker outage", async (t) => {
  const broker = await privateService(t, "kafka");
  const kafka: KafkaService = { ...kafkaService(), brokers: broker.url.split(","), log: "" };
  const eventsTopic = `events-${randomUUID()}`;
  const decisionsTopic = `decisions-${randomUUID()}`;
  await createTopic(kafka, eventsTopic);
  await createTopic(kafka, decisionsTopic);
  const s = await startTestServer(t, {
    env: {
      PARMANA_EXPORT_KAFKA_BROKERS: kafka.brokers.join(","),
      PARMANA_EXPORT_KAFKA_TOPIC: eventsTopic,
      PARMANA_EXPORT_KAFKA_DECISIONS_TOPIC: decisionsTopic,
      PARMANA_EXPORT_KAFKA_DECISIONS_MODE: "deny-only",
      PARMANA_EXPORT_DECISIONS_SIGNALS: "country,flagged",
      PARMANA_RATE_LIMIT_EXECUTE: "100000",
    },
  });
  const executor = s.files.keys["executor"];
  const ids: string[] = [];
  const execute = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, to - i) }, async (_, k) => {
          const id = uniqueId("dec");
          ids[i + k] = id;
          const r = await post(`${s.url}/execute`, executor, executeBody(id, signalsFor(i + k)));
          assert.equal(r.status, 200, JSON.stringify(r.body));
        }),
      );
    }
  };

  await execute(0, 500);
  await broker.stop();
  await execute(500, 1_000); // decisions are answered while the broker is down: export is after the fact
  const reviewed = ids.filter((_, i) => i % 4 === 3).slice(0, 20);
  for (const id of reviewed) {
    const r = await post(`${s.url}/override`, s.files.keys["approver"], overrideBody(id));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const waiting = await pendingOf(s.server.metricsUrl);
  assert.ok(waiting > 0, `records wait in the outbox while the broker is down (${String(waiting)})`);

  await broker.start();
  const expected = new Set([
    ...ids.filter((_, i) => i % 4 !== 0).map((id) => `decision:${id}`),
    ...reviewed.map((id) => `override:${id}`),
  ]);
  assert.equal(expected.size, 750 + 20);
  const reader = await readTopic(t, kafka, decisionsTopic);
  const arrived = (): Set<string> => new Set(reader.records.map((r) => r.headers["record_id"] ?? ""));
  await eventually(
    "every non-approval and override to arrive",
    () => Promise.resolve(arrived().size >= expected.size ? true : undefined),
    180_000,
    500,
  );
  await eventually("the decision outbox to be settled", async () =>
    (await pendingOf(s.server.metricsUrl)) === 0 ? true : undefined,
  );
  assert.deepEqual([...arrived()].sort(), [...expected].sort(), "exactly the non-approvals and overrides");

  for (const record of reader.records) {
    const id = record.headers["record_id"] ?? "";
    assert.equal(record.key, id.replace(/^(decision|override):/, ""), "keyed by executionId");
    assert.equal(record.headers["schema"], "ocsf/1.3.0");
    assert.ok(!record.value.includes(SECRET_NOTE), `${id}: a withheld value left`);
    const ocsf = JSON.parse(record.value) as {
      unmapped: { parmana: Pick<DecisionRecord, "signals" | "signals_withheld"> };
    };
    const report = validateOcsf(ocsf);
    assert.deepEqual([...report.errors, ...report.warnings], [], `${id} is valid OCSF`);
    const { signals, signals_withheld } = ocsf.unmapped.parmana;
    for (const name of Object.keys(signals))
      assert.ok(["country", "flagged"].includes(name), `${id}: ${name}`);
    if (id.startsWith("decision:"))
      assert.ok(signals_withheld?.includes("applicant_note") && signals_withheld.includes("amount"), id);
  }
  const db = connectPostgres({ connectionString: s.databaseUrl });
  t.after(() => db.close());
  const [rest] = await db.query<{ rows: string; leaked: string }>(
    `select count(*)::text as rows,
            count(*) filter (where record::text like '%' || $1 || '%')::text as leaked from decision_outbox`,
    [SECRET_NOTE],
  );
  assert.deepEqual(
    rest,
    { rows: String(expected.size), leaked: "0" },
    "approvals never entered; no withheld value rests",
  );
  await reader.close();
});

const attestation = (id: string): Attestation =>
  unsignedAttestation(id, {
    action: "reject",
    requiresOverride: false,
    ruleId: "flagged",
    reason: "flagged",
  });

test("decision log: a relay killed mid-batch after the broker took the records loses nothing", async (t) => {
  const kafka = kafkaService();
  const topic = `decisions-crash-${randomUUID()}`;
  await createTopic(kafka, topic);
  const db = await outboxDatabase(t);
  const records = Array.from({ length: 1_200 }, () =>
    decisionRecord(attestation(randomUUID()), { country: "US" }, { apiKeyId: "executor", requestId: null }),
  );
  await db.transaction((tx) => enqueue(tx, DECISION_RECORDS, records));
  const config = {
    brokers: kafka.brokers,
    topic: `events-${randomUUID()}`,
    format: "raw" as const,
    minSeverity: "low" as const,
    clientId: `decisions-crash-${randomUUID()}`,
    tls: undefined,
    sasl: undefined,
    decisions: { topic, mode: { kind: "all" as const }, format: "raw" as const },
  };
  const real = new KafkaSink(config);
  t.after(() => real.close());
  let crashed = false;
  const crashing: DecisionSink = {
    name: "kafka",
    decisionMode: { kind: "all" },
    sendDecisions: async (batch) => {
      await real.sendDecisions(batch);
      if (!crashed) {
        crashed = true;
        throw new Error("relay killed after the broker acknowledged, before the delivery was recorded");
      }
    },
    close: () => real.close(),
  };
  const first = new OutboxRelay({ db, sinks: [], decisionSinks: [crashing], batchSize: 500 });
  await assert.rejects(first.deliverBatch(crashing, "decisions"), /relay killed/);
  assert.equal((await outboxBacklog(db, "kafka", DECISION_RECORDS)).pending, 1_200, "nothing recorded");

  const second = new OutboxRelay({
    db,
    sinks: [],
    decisionSinks: [new KafkaSink(config)],
    maxBackoffMs: 500,
  });
  second.start();
  t.after(() => second.stop());
  const reader = await readTopic(t, kafka, topic);
  await eventually(
    "all 1,200 records to arrive",
    () => Promise.resolve(reader.keys().size === 1_200 ? true : undefined),
    120_000,
    500,
  );
  assert.ok(reader.records.length >= 1_200 + 500 - 1, "the killed batch was sent again (at-least-once)");
  assert.deepEqual(await outboxBacklog(db, "kafka", DECISION_RECORDS), { pending: 0, lagSeconds: 0 });
  const [security] = await db.query<{ n: string }>("select count(*)::text as n from security_event_outbox");
  assert.equal(security?.n, "0", "the decision stream has tables of its own");
});
