// bench/export: sustained security events per second from raise to Kafka acks=all (through the audit
// table, the outbox and the relay), and the time to drain a 100,000-event backlog after an outage.
// Run: npm run bench:export   (starts Postgres and Kafka through test/infra first)
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import pg from "pg";
import { AuditStore, connectPostgres, migrate } from "../../src/audit/index.ts";
import { SecurityEventBus } from "../../src/events/index.ts";
import { KafkaSink, OutboxRelay, outboxBacklog } from "../../src/export/index.ts";
import { createTopic } from "../../test/support/kafka-consumer.ts";
import { kafkaService, postgresService } from "../../test/support/services.ts";

const SUSTAINED = Number(process.env["BENCH_EVENTS"] ?? 50_000);
const BACKLOG = Number(process.env["BENCH_BACKLOG"] ?? 100_000);

const admin = new pg.Client({ connectionString: postgresService().url });
await admin.connect();
const name = `parmana_bench_${randomBytes(4).toString("hex")}`;
await admin.query(`create database ${name}`);
const url = new URL(postgresService().url);
url.pathname = `/${name}`;
const db = connectPostgres({ connectionString: url.toString() });
const kafka = kafkaService();

function relayFor(topic: string): OutboxRelay {
  const sink = new KafkaSink({
    brokers: kafka.brokers,
    topic,
    format: "ocsf",
    minSeverity: "low",
    clientId: "bench",
    tls: undefined,
    sasl: undefined,
  });
  return new OutboxRelay({
    db,
    sinks: [sink],
    batchSize: Number(process.env["BENCH_RELAY_BATCH"] ?? 1_000),
    workersPerSink: Number(process.env["BENCH_RELAY_WORKERS"] ?? 2),
    idleMs: 20,
    maxBackoffMs: 500,
  });
}

async function raise(count: number): Promise<void> {
  const audit = new AuditStore(db);
  const bus = new SecurityEventBus({
    source: { component: "server", instance: "bench" },
    sinks: [{ name: "audit", write: (events) => audit.appendSecurityEvents(events) }],
    coalesceWindowMs: 0,
    batchSize: 1_000,
  });
  for (let i = 0; i < count; i++) {
    bus.raise({
      type: "unauthorized_access",
      message: `bench ${String(i)}`,
      actor: { clientIp: `10.0.${String(i % 250)}.${String(i % 200)}` },
    });
    if (i % 5_000 === 4_999) await bus.flush();
  }
  await bus.flush();
}

async function drained(): Promise<void> {
  for (;;) {
    if ((await outboxBacklog(db, "kafka")).pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

try {
  await migrate(db);
  const topic = `bench-${randomBytes(4).toString("hex")}`;
  await createTopic(kafka, topic, 6);

  // Sustained: raise while the relay runs, until every event is acknowledged by Kafka.
  const relay = relayFor(topic);
  relay.start();
  let start = performance.now();
  await raise(SUSTAINED);
  await drained();
  const sustainedSeconds = (performance.now() - start) / 1000;
  await relay.stop();

  // Backlog: raise with no relay running (the sink is "down"), then start one and time the drain.
  await raise(BACKLOG);
  const backlog = await outboxBacklog(db, "kafka");
  const second = relayFor(topic);
  start = performance.now();
  second.start();
  await drained();
  const drainSeconds = (performance.now() - start) / 1000;
  await second.stop();

  console.log(
    `Machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}; Postgres 15, Kafka 4.1 (one broker), all on this machine.\n`,
  );
  console.log("| measurement | events | seconds | events/s |");
  console.log("|---|---:|---:|---:|");
  console.log(
    `| sustained: raise → audit row + outbox → relay → Kafka acks=all (OCSF, gzip) | ${SUSTAINED.toLocaleString("en-US")} | ${sustainedSeconds.toFixed(1)} | ${Math.round(SUSTAINED / sustainedSeconds).toLocaleString("en-US")} |`,
  );
  console.log(
    `| drain of a backlog after an outage (${backlog.pending.toLocaleString("en-US")} pending) | ${BACKLOG.toLocaleString("en-US")} | ${drainSeconds.toFixed(1)} | ${Math.round(BACKLOG / drainSeconds).toLocaleString("en-US")} |`,
  );
} finally {
  await db.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
