// Nothing is lost: with the broker down, 10,000 events wait in the outbox (lag rises), and all arrive when it
// returns (lag falls back to 0). A relay that dies mid-batch, after the broker took records but before it
// recorded the delivery, loses nothing either: the next relay sends them again (at-least-once by event_id).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SecurityEvent } from "../../../src/events/index.ts";
import { KafkaSink, OutboxRelay, outboxBacklog, type ExportSink } from "../../../src/export/index.ts";
import { eventually } from "../../support/kube.ts";
import { createTopic, readTopic } from "../../support/kafka-consumer.ts";
import { privateService } from "../../support/private-services.ts";
import { outboxDatabase, raiseIntoOutbox } from "../../support/outbox.ts";
import { kafkaService, type KafkaService } from "../../support/services.ts";

function sink(kafka: KafkaService, topic: string): KafkaSink {
  return new KafkaSink({
    brokers: kafka.brokers,
    topic,
    format: "raw",
    minSeverity: "low",
    clientId: `outage-${randomUUID()}`,
    tls: undefined,
    sasl: undefined,
  });
}

test("export outage: 10,000 events raised while the broker is down all arrive when it returns; lag rises and falls", async (t) => {
  const broker = await privateService(t, "kafka");
  const kafka: KafkaService = { ...kafkaService(), brokers: broker.url.split(","), log: "" };
  const topic = `outage-${randomUUID()}`;
  await createTopic(kafka, topic);
  const db = await outboxDatabase(t);
  await broker.stop();

  const failures: unknown[] = [];
  const relay = new OutboxRelay({
    db,
    sinks: [sink(kafka, topic)],
    maxBackoffMs: 1_000,
    observer: { failed: (_s, e) => failures.push(e) },
  });
  relay.start();
  t.after(() => relay.stop());
  await raiseIntoOutbox(db, 10_000);
  const during = await outboxBacklog(db, "kafka");
  assert.equal(during.pending, 10_000);
  await sleep(2_000);
  const later = await outboxBacklog(db, "kafka");
  assert.ok(later.lagSeconds >= 2, `lag rose while the broker was down (${String(later.lagSeconds)} s)`);
  assert.ok(failures.length > 0, "the relay kept trying");

  await broker.start();
  const reader = await readTopic(t, kafka, topic);
  await eventually(
    "all 10,000 events to arrive",
    () => Promise.resolve(reader.keys().size === 10_000 ? true : undefined),
    180_000,
    500,
  );
  const after = await outboxBacklog(db, "kafka");
  assert.deepEqual(after, { pending: 0, lagSeconds: 0 });
  const [stored] = await db.query<{ n: string }>("select count(*)::text as n from audit_security_events");
  assert.equal(stored?.n, "10000", "none missing from the audit table");
  // Leave the private broker cleanly before it is stopped by its own cleanup.
  await reader.close();
  await relay.stop();
});

test("export outage: a relay killed mid-batch after the broker took the records loses nothing", async (t) => {
  const kafka = kafkaService();
  const topic = `crash-${randomUUID()}`;
  await createTopic(kafka, topic);
  const db = await outboxDatabase(t);
  await raiseIntoOutbox(db, 2_000);

  const real = sink(kafka, topic);
  t.after(() => real.close());
  let crashed = false;
  const crashing: ExportSink = {
    name: "kafka",
    minSeverity: "low",
    send: async (events: readonly SecurityEvent[]) => {
      await real.send(events);
      if (!crashed) {
        crashed = true;
        throw new Error("relay killed after the broker acknowledged, before the delivery was recorded");
      }
    },
    close: () => real.close(),
  };
  const first = new OutboxRelay({ db, sinks: [crashing], batchSize: 500 });
  await assert.rejects(first.deliverBatch(crashing), /relay killed/);
  assert.equal(
    (await outboxBacklog(db, "kafka")).pending,
    2_000,
    "the killed batch was not recorded as delivered",
  );

  const second = new OutboxRelay({ db, sinks: [sink(kafka, topic)], maxBackoffMs: 500 });
  second.start();
  t.after(async () => {
    await second.stop();
  });
  const reader = await readTopic(t, kafka, topic);
  await eventually(
    "all 2,000 events to arrive",
    () => Promise.resolve(reader.keys().size === 2_000 ? true : undefined),
    120_000,
    500,
  );
  assert.ok(
    reader.records.length >= 2_000 + 500 - 1,
    "the batch of the killed relay was sent again (at-least-once)",
  );
  assert.deepEqual(await outboxBacklog(db, "kafka"), { pending: 0, lagSeconds: 0 });
});

test("export relay: rows another replica held and released below a worker's floor are still delivered", async (t) => {
  const db = await outboxDatabase(t);
  await raiseIntoOutbox(db, 1_500);
  const delivered = new Set<string>();
  const memory: ExportSink = {
    name: "memory",
    minSeverity: "low",
    send: (events) => {
      for (const e of events) delivered.add(e.event_id);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  // Another replica locks the first 500 rows and dies without delivering them.
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let locked: () => void = () => undefined;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const otherReplica = db
    .transaction(async (tx) => {
      await tx.query("select id from security_event_outbox order by id limit 500 for update");
      locked();
      await held;
      throw new Error("replica died");
    })
    .catch(() => undefined);
  await lockTaken;
  const relay = new OutboxRelay({ db, sinks: [memory], batchSize: 200, idleMs: 50, workersPerSink: 1 });
  relay.start();
  t.after(() => relay.stop());
  await eventually("the 1,000 unlocked rows", () =>
    Promise.resolve(delivered.size === 1_000 ? true : undefined),
  );
  releaseHeld();
  await otherReplica;
  await eventually("the 500 released rows too", () =>
    Promise.resolve(delivered.size === 1_500 ? true : undefined),
  );
  assert.deepEqual(await outboxBacklog(db, "memory"), { pending: 0, lagSeconds: 0 });
});

test("export relay: rows every sink has had are pruned after the retention; the rest and the audit rows stay", async (t) => {
  const db = await outboxDatabase(t);
  await raiseIntoOutbox(db, 300);
  const sink = (name: string): ExportSink => ({
    name,
    minSeverity: "low",
    send: () => Promise.resolve(),
    close: () => Promise.resolve(),
  });
  const a = sink("a");
  const both = new OutboxRelay({ db, sinks: [a, sink("b")], batchSize: 100, retainDeliveredMs: 1 });
  await both.deliverBatch(a); // rows 1-100 reach a only
  assert.equal(await both.pruneDelivered(), 0, "nothing every sink has had yet");
  const onlyA = new OutboxRelay({ db, sinks: [a], batchSize: 100, retainDeliveredMs: 3_600_000 });
  assert.equal(await onlyA.pruneDelivered(), 0, "younger than the retention");
  const prunesA = new OutboxRelay({ db, sinks: [a], batchSize: 100, retainDeliveredMs: 1 });
  assert.equal(await prunesA.pruneDelivered(), 100);
  const [left] = await db.query<{ outbox: string; audit: string }>(
    `select (select count(*) from security_event_outbox)::text as outbox,
            (select count(*) from audit_security_events)::text as audit`,
  );
  assert.deepEqual(left, { outbox: "200", audit: "300" });
  assert.equal((await outboxBacklog(db, "a")).pending, 200, "what a has not had stays");
});
